import { describe, expect, it } from 'vitest';
import { ScreenModel } from '../../../server/sessions/watching/screen-model.js';

describe('ScreenModel', () => {
  it('takes a flood without throwing: it stops taking output once 4 MiB wait, and says it fell behind', async () => {
    const screen = new ScreenModel(80, 24);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    // 64 MiB at once: xterm.js alone throws once 50 MB wait to be parsed.
    expect(() => {
      for (let i = 0; i < 1024; i++) screen.write(chunk);
    }).not.toThrow();
    expect(screen.fellBehind).toBe(false);
    await screen.snapshot();
    expect(screen.fellBehind).toBe(true);
    screen.dispose();
  });

  it('redraws the screen it was given', async () => {
    const screen = new ScreenModel(40, 5);
    screen.write(Buffer.from('hello\r\nworld'));
    const { cols, rows, data } = await screen.snapshot();
    expect([cols, rows]).toEqual([40, 5]);
    expect(data).toContain('hello');
    expect(data).toContain('world');
    expect(screen.fellBehind).toBe(false);
    screen.dispose();
  });
});
