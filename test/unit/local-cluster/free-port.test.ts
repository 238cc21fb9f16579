// Ports handed to nginx, etcd and kube-apiserver: chosen below the kernel's
// ephemeral range, which outgoing connections and port-0 listeners draw from
// between the choice and the program's bind (a CI run lost the API server's
// port that way).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ephemeralPortStart, freePort } from '@webterm/local-cluster/free-port';

const dir = mkdtempSync(join(tmpdir(), 'webterm-free-port-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('freePort', () => {
  it('reads where the ephemeral range starts, and assumes 32768 when it cannot', () => {
    const file = join(dir, 'range');
    writeFileSync(file, '40000\t60999\n');
    expect(ephemeralPortStart(file)).toBe(40_000);
    writeFileSync(file, 'garbage\n');
    expect(ephemeralPortStart(file)).toBe(32_768);
    expect(ephemeralPortStart(join(dir, 'absent'))).toBe(32_768);
  });

  it('gives ports below the ephemeral range that can be bound at once', async () => {
    const start = ephemeralPortStart();
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(start);
    }
    const server = await new Promise<Server>((resolve, reject) => {
      const s = createServer().once('error', reject);
      s.listen(ports[0], '127.0.0.1', () => resolve(s));
    });
    await new Promise((resolve) => server.close(resolve));
  });
});
