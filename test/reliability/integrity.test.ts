// Nothing lost, nothing changed: large streams both ways hashed at both ends,
// every exit code, the order of stdout and stderr, and UTF-8 cut anywhere.
import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { openTerminal, type TerminalTarget } from '../helpers/terminal-client.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ config: { sessions: { maxSessionsPerUser: 0 } } });
});

afterAll(async () => {
  await stack.stop();
});

/** Runs a command (tty off) and resolves its output bytes and exit code; the output is hashed as it comes. */
function run(target: TerminalTarget, input?: Buffer): Promise<{ sha256: string; bytes: number; code: number; text: string }> {
  return new Promise((resolve, reject) => {
    const client = openTerminal(stack.wsUrl, { tty: false, ...target }, { token: stack.token(), keepOutput: false });
    const hash = createHash('sha256');
    let bytes = 0;
    let head = '';
    client.ws.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) return;
      hash.update(data);
      bytes += data.length;
      if (head.length < 4096) head += data.toString('latin1');
    });
    if (input !== undefined) {
      void client.opened.then(async () => {
        for (let offset = 0; offset < input.length; offset += 256 * 1024) {
          client.ws.send(input.subarray(offset, offset + 256 * 1024), { binary: true });
          // Let the socket drain rather than queue all of it in the client.
          while (client.ws.bufferedAmount > 4 * 1024 * 1024) await new Promise((r) => setTimeout(r, 5));
        }
        client.control({ type: 'eof' });
      });
    }
    void client.closed.then(() => {
      const exit = client.messages.find((m) => m.type === 'exit');
      if (exit?.type !== 'exit') reject(new Error(`no exit: ${JSON.stringify(client.messages)}`));
      else resolve({ sha256: hash.digest('hex'), bytes, code: exit.code, text: head });
    });
  });
}

describe('data integrity through the gateway', () => {
  it('carries 256 MiB of stdout byte-exact (sha256 in the pod and at the client)', async () => {
    const file = join(tmpdir(), `webterm-integrity-${randomBytes(6).toString('hex')}`);
    try {
      const made = await run({ command: ['sh', '-c', `head -c 268435456 /dev/urandom > ${file} && sha256sum ${file} | cut -c1-64`] });
      expect(made.code).toBe(0);
      const podHash = made.text.trim();
      expect(podHash).toMatch(/^[0-9a-f]{64}$/);
      const read = await run({ command: ['cat', file] });
      expect(read.code).toBe(0);
      expect(read.bytes).toBe(268435456);
      expect(read.sha256).toBe(podHash);
    } finally {
      rmSync(file, { force: true });
    }
  }, 120_000);

  it('carries 16 MiB of stdin byte-exact', async () => {
    const input = randomBytes(16 * 1024 * 1024);
    const result = await run({ command: ['sh', '-c', 'sha256sum | cut -c1-64'] }, input);
    expect(result.code).toBe(0);
    expect(result.text.trim()).toBe(createHash('sha256').update(input).digest('hex'));
  }, 60_000);

  it('keeps every exit code from 0 to 255', async () => {
    const codes: number[] = [];
    for (let start = 0; start < 256; start += 32) {
      const batch = await Promise.all(Array.from({ length: 32 }, (_, i) => run({ command: ['sh', '-c', `exit ${start + i}`] })));
      codes.push(...batch.map((r) => r.code));
    }
    expect(codes).toEqual(Array.from({ length: 256 }, (_, i) => i));
  }, 60_000);

  it('keeps the order of interleaved stdout and stderr', async () => {
    // The pod's two pipes are read separately; writes 20 ms apart have an order to keep
    // even on a loaded machine, and the gateway must not change it.
    const script = 'i=1; while [ $i -le 50 ]; do echo out-$i; sleep 0.02; echo err-$i >&2; sleep 0.02; i=$((i+1)); done';
    const client = openTerminal(stack.wsUrl, { command: ['sh', '-c', script], tty: false }, { token: stack.token() });
    await client.waitForMessage('exit', 20_000);
    const expected = Array.from({ length: 50 }, (_, i) => `out-${i + 1}\nerr-${i + 1}\n`).join('');
    expect(client.outputText()).toBe(expected);
  }, 30_000);

  it('passes multi-byte UTF-8 cut at every byte boundary, each piece in its own frame, unchanged', async () => {
    const text = 'é中🚀';
    // Every cut of every character, each piece written (and so framed) on its own.
    const pieces: Buffer[] = [];
    for (const char of text) {
      const encoded = Buffer.from(char);
      for (let cut = 1; cut < encoded.length; cut += 1) pieces.push(encoded.subarray(0, cut), encoded.subarray(cut));
    }
    const script = pieces
      .map((piece) => `printf '${[...piece].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('')}'; sleep 0.02`)
      .join('; ');
    const client = openTerminal(stack.wsUrl, { command: ['sh', '-c', script], tty: false }, { token: stack.token() });
    await client.waitForMessage('exit', 20_000);
    expect(client.output().equals(Buffer.concat(pieces))).toBe(true);
    // é has one cut, 中 two, 🚀 three: each cut gives the character once.
    expect(client.outputText()).toBe('é中中🚀🚀🚀');
  }, 30_000);
});
