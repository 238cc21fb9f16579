// The page under a flood, end to end: the terminal page through the gateway,
// in the pod's shell (a tty), runs the flood as a user would type it. It is
// timed from Enter until xterm has taken the flood's last line: the marker
// after it reaches the page's socket, and the page's main thread is then idle
// (xterm parses its write queue in slices, so it is idle only once that queue
// is empty). Keystrokes typed during the flood are timed from the page's
// keydown to their echo reaching the page's main thread (its socket worker's
// message, handled between xterm's parsing slices). The page's socket is
// watched for the output messages it hands over and the pause/resume it sends.
import { countCpuByRole, type CpuByRole } from '../process-cpu.js';
import type { QuietChromium } from './quiet-chromium.js';

interface Hook {
  state: string;
  bufferText(): string;
  renderer(): 'webgl' | 'dom';
  size(): { cols: number; rows: number };
}
interface Probe {
  code: number;
  typedAt: number;
  echoedAt: number;
  /** Resolves once the echo has come. */
  echoed: Promise<void>;
  echo(): void;
}
interface Watch {
  startedAt: number;
  arrivedAt: number;
  idleAt: number;
  /** Resolves once the page is idle after the marker. */
  idle: Promise<void>;
  reachIdle(): void;
}
type Watched = Window & {
  __webterm: Hook;
  __benchFrames: { count: number; bytes: number; pauses: number; resumes: number };
  __benchProbe: Probe | undefined;
  __benchWatch: Watch | undefined;
};

/** Characters outside base64's alphabet, typed one per probe: each echo is found by its own character. */
const PROBES = '!#%&*@;:?^~=';
/** Printed after the flood; typed as `$((6*7))`, so the echo of the command line does not contain it. */
const MARKER = 'BENCH-FLOOD-42';

export interface PageFloodResult {
  seconds: number;
  echoMs: number[];
  heapBytes: number;
  renderer: 'webgl' | 'dom';
  size: { cols: number; rows: number };
  frames: { count: number; bytes: number; pauses: number; resumes: number };
  /** CPU each part spent from Enter until the page was idle; undefined without /proc. */
  cpuSeconds: CpuByRole | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function floodPage(browser: QuietChromium, url: string, command: string, probeEveryMs: number): Promise<PageFloodResult> {
  const tab = await browser.newTab();
  // Watches the page's websocket and keys without changing what either does.
  await tab.addInitScript((marker: string) => {
    const stats = { count: 0, bytes: 0, pauses: 0, resumes: 0 };
    const watched = window as unknown as Watched;
    watched.__benchFrames = stats;
    document.addEventListener(
      'keydown',
      (event) => {
        const probe = watched.__benchProbe;
        if (probe !== undefined && event.key.charCodeAt(0) === probe.code && probe.typedAt === 0) probe.typedAt = performance.now();
        const watch = watched.__benchWatch;
        if (watch !== undefined && event.key === 'Enter' && watch.startedAt === 0) watch.startedAt = performance.now();
      },
      true,
    );
    const decoder = new TextDecoder('latin1');
    let tail = '';
    const output = (bytes: Uint8Array) => {
      stats.count += 1;
      stats.bytes += bytes.length;
      const probe = watched.__benchProbe;
      if (probe !== undefined && probe.typedAt > 0 && probe.echoedAt === 0 && bytes.includes(probe.code)) {
        probe.echoedAt = performance.now();
        probe.echo();
      }
      const watch = watched.__benchWatch;
      if (watch === undefined || watch.startedAt === 0 || watch.arrivedAt > 0) return;
      tail = (tail + decoder.decode(bytes.subarray(Math.max(0, bytes.length - 256)))).slice(-512);
      if (!tail.includes(marker)) return;
      watch.arrivedAt = performance.now();
      requestIdleCallback(() => {
        watch.idleAt = performance.now();
        watch.reachIdle();
      });
    };
    const sent = (data: unknown) => {
      if (typeof data === 'string' && data.includes('"pause"')) stats.pauses += 1;
      if (typeof data === 'string' && data.includes('"resume"')) stats.resumes += 1;
    };
    // The page's socket lives in its socket worker (web/src/terminal-socket.ts): output reaches the
    // main thread as its `binary` messages, and control messages leave as `send`. A page without
    // workers speaks over a WebSocket of its own: watched the same way.
    type Message = { kind: string; data?: unknown };
    const NativeWorker = window.Worker;
    window.Worker = class extends NativeWorker {
      constructor(...args: ConstructorParameters<typeof Worker>) {
        super(...args);
        this.addEventListener('message', (event: MessageEvent<Message>) => {
          if (event.data.kind === 'binary') output(event.data.data as Uint8Array);
        });
      }
    };
    const post = NativeWorker.prototype.postMessage;
    NativeWorker.prototype.postMessage = function (this: Worker, message: Message, ...rest: unknown[]) {
      if (message.kind === 'send') sent(message.data);
      (post as (...args: unknown[]) => void).call(this, message, ...rest);
    } as typeof post;
    const NativeSocket = window.WebSocket;
    window.WebSocket = class extends NativeSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        this.addEventListener('message', (event: MessageEvent) => {
          if (typeof event.data !== 'string') output(new Uint8Array(event.data as ArrayBuffer));
        });
      }
      override send(data: string | ArrayBufferLike | Blob | ArrayBufferView) {
        sent(data);
        super.send(data);
      }
    };
  }, MARKER);
  await tab.goto(url);
  await tab.waitFor(
    () =>
      (window as unknown as Partial<Watched>).__webterm !== undefined &&
      /[$#] $/.test((window as unknown as Watched).__webterm.bufferText()),
    undefined,
    20,
  );
  // Keystrokes go to the terminal, as a user's would after clicking into it.
  await tab.evaluate(() => document.querySelector<HTMLElement>('.xterm-helper-textarea')!.focus());
  await tab.type(`${command}; echo ${MARKER.replace('42', '$((6*7))')}`);
  await sleep(200);
  await tab.evaluate(() => {
    let reachIdle!: () => void;
    const idle = new Promise<void>((resolve) => (reachIdle = resolve));
    (window as unknown as Watched).__benchWatch = { startedAt: 0, arrivedAt: 0, idleAt: 0, idle, reachIdle };
  });
  const stopCounting = countCpuByRole();
  await tab.type('\r');
  // The waits happen in the page, on promises: polling it from here would spend the CPU it is measured on.
  const finishing = tab.evaluate(async () => {
    const watch = (window as unknown as Watched).__benchWatch!;
    await watch.idle;
    return { startedAt: watch.startedAt, arrivedAt: watch.arrivedAt, idleAt: watch.idleAt };
  });
  let done = false;
  const echoMs: number[] = [];
  const probing = (async () => {
    for (let i = 0; !done && i < PROBES.length; i += 1) {
      await sleep(probeEveryMs);
      if (done) return;
      await tab.evaluate((code) => {
        let echo!: () => void;
        const echoed = new Promise<void>((resolve) => (echo = resolve));
        (window as unknown as Watched).__benchProbe = { code, typedAt: 0, echoedAt: 0, echoed, echo };
      }, PROBES.charCodeAt(i));
      await tab.type(PROBES[i]!);
      // An echo still on its way when the flood is over is not counted.
      const probe = await tab.evaluate(async () => {
        const w = window as unknown as Watched;
        await Promise.race([w.__benchProbe!.echoed, w.__benchWatch!.idle]);
        return { typedAt: w.__benchProbe!.typedAt, echoedAt: w.__benchProbe!.echoedAt };
      });
      if (probe.echoedAt > 0) echoMs.push(probe.echoedAt - probe.typedAt);
    }
  })();
  const finished = await finishing;
  const cpuSeconds = stopCounting();
  done = true;
  await probing;
  const details = await tab.evaluate(() => {
    const w = window as unknown as Watched;
    return { renderer: w.__webterm.renderer(), size: w.__webterm.size(), frames: w.__benchFrames };
  });
  const heapBytes = await tab.jsHeapUsed();
  await tab.close();
  return { seconds: (finished.idleAt - finished.startedAt) / 1000, echoMs, heapBytes, cpuSeconds, ...details };
}
