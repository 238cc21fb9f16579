// The WebGL renderer for the terminal: chosen only where a GPU draws it, and
// loaded off the start-up path; the DOM renderer draws until then, and again
// once a GPU context is lost.
import type { Terminal } from '@xterm/xterm';
import type { DisposableStore } from './lifecycle.js';

/** When the WebGL renderer loads if no output has been drawn by then. */
const WEBGL_FALLBACK_MS = 1500;
/** WebGL rasterized on the CPU: there the DOM renderer draws several times faster (docs/performance.md). */
const SOFTWARE_GL = /swiftshader|llvmpipe|softpipe|software|basic render driver/i;

/** Whether a WebGL renderer's name is a CPU rasterizer's. */
export function drawnInSoftware(rendererName: string): boolean {
  return SOFTWARE_GL.test(rendererName);
}

/** Whether the browser has WebGL 2 on a GPU; failIfMajorPerformanceCaveat does not rule out Chromium's SwiftShader, the renderer's name does. */
function gpuDrawsWebgl2(): boolean {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (gl === null) return false;
  // Firefox has no debug extension, and its RENDERER is a real (sanitized) name.
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const name = String(gl.getParameter(info === null ? gl.RENDERER : info.UNMASKED_RENDERER_WEBGL));
  // The probe's context is let go at once: a browser holds only a few at a time.
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return !drawnInSoftware(name);
}

/**
 * WebGL where the browser has it on a GPU; the DOM renderer otherwise, or when the GPU
 * context is lost. It is loaded off the start-up path (its own chunk, once the
 * first output is drawn and the page is idle): the first prompt is drawn by
 * the DOM renderer, and WebGL takes over a moment later. Starting it sooner
 * puts the GPU context's set-up in front of the prompt when the chunk is
 * already cached.
 */
export function loadWebgl(
  terminal: Terminal,
  store: DisposableStore,
  firstOutput: Promise<void>,
  changed: (renderer: 'webgl' | 'dom') => void,
): void {
  let cancelled = false;
  store.add({ dispose: () => (cancelled = true) });
  const start = () => {
    if (cancelled) return;
    if (!gpuDrawsWebgl2()) return;
    void import('@xterm/addon-webgl').then(
      ({ WebglAddon }) => {
        if (cancelled) return;
        try {
          const webgl = new WebglAddon();
          store.add(
            webgl.onContextLoss(() => {
              webgl.dispose();
              changed('dom');
            }),
          );
          terminal.loadAddon(webgl);
          changed('webgl');
        } catch {
          changed('dom');
        }
      },
      () => changed('dom'),
    );
  };
  // A page that never gets output (an error, a silent command) still gets WebGL.
  let fallback: ReturnType<typeof setTimeout> | undefined;
  const fallbackDue = new Promise<void>((resolve) => (fallback = setTimeout(resolve, WEBGL_FALLBACK_MS)));
  store.add({ dispose: () => clearTimeout(fallback) });
  void Promise.race([firstOutput, fallbackDue]).then(() => {
    clearTimeout(fallback);
    if (typeof requestIdleCallback === 'function') requestIdleCallback(start, { timeout: 1000 });
    else setTimeout(start, 0);
  });
}
