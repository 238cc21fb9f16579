// debug: the images a debug container may run and how long it may take to start.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../server/config/index.js';

const minimal = { auth: { jwt: { secret: 's', algorithms: ['HS256'] } } };

describe('debug configuration', () => {
  it('defaults to busybox:1.36 and 60 seconds', () => {
    expect(parseConfig(minimal).debug).toEqual({ images: ['busybox:1.36'], timeoutSeconds: 60 });
  });

  it('reads the example of INTERFACE.md', () => {
    const config = parseConfig({ ...minimal, debug: { images: ['busybox:1.36', 'nicolaka/netshoot:v0.13'], timeoutSeconds: 20 } });
    expect(config.debug).toEqual({ images: ['busybox:1.36', 'nicolaka/netshoot:v0.13'], timeoutSeconds: 20 });
  });

  it.each([
    [{ images: [] }, 'debug.images: name at least one image'],
    [{ images: [''] }, 'debug.images[0]'],
    [{ timeoutSeconds: 0 }, 'debug.timeoutSeconds'],
    [{ image: 'busybox' }, 'debug'],
  ])('refuses %j, naming the key', (debug, path) => {
    expect(() => parseConfig({ ...minimal, debug })).toThrow(ConfigError);
    expect(() => parseConfig({ ...minimal, debug })).toThrow(path);
  });
});
