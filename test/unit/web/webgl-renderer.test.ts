// Which WebGL the page draws with: the renderer names browsers report for a
// CPU rasterizer keep the DOM renderer, a GPU's get WebGL.
import { describe, expect, it } from 'vitest';
import { drawnInSoftware } from '../../../web/src/webgl-renderer.js';

describe('drawnInSoftware', () => {
  it.each([
    'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)',
    'Google SwiftShader',
    'llvmpipe (LLVM 15.0.7, 256 bits)',
    'ANGLE (Mesa, llvmpipe (LLVM 17.0.6 256 bits), OpenGL 4.5)',
    'softpipe',
    'ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0, D3D11)',
    'Apple Software Renderer',
  ])('takes %s for software', (name) => {
    expect(drawnInSoftware(name)).toBe(true);
  });

  it.each([
    'ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)',
    'ANGLE (Intel, Mesa Intel(R) UHD Graphics 620 (KBL GT2), OpenGL 4.6)',
    'ANGLE (Apple, ANGLE Metal Renderer: Apple M1, Unspecified Version)',
    'Mali-G78',
    'Adreno (TM) 660',
    'Radeon R9 200 Series, or similar',
    '',
  ])('takes %s for a GPU', (name) => {
    expect(drawnInSoftware(name)).toBe(false);
  });
});
