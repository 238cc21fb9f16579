// Hostile input: names, commands, control messages, frames and bodies. Each
// gets a clear refusal naming what was wrong, before any upstream call, and
// the gateway goes on serving.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { openTerminal, poll, socketOf } from '../helpers/terminal-client.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    config: {
      terminal: { stalledClientTimeoutSeconds: 2, highWaterMarkBytes: 256 * 1024 },
      actions: { hello: { command: ['echo', 'hello'] } },
    },
  });
});

afterAll(async () => {
  await stack.stop();
});

/** [what, the name as sent in the path] */
const badNames: Array<[string, string]> = [
  ['dot-dot', '%2E%2E'],
  ['slash', 'a%2Fb'],
  ['encoded slash twice', 'a%252Fb'],
  ['control character', 'a%01b'],
  ['newline', 'a%0Ab'],
  ['300 characters', 'a'.repeat(300)],
  ['space', 'a%20b'],
];
/** Cluster names come from kubeconfig contexts and may have capitals; the other names may not. */
const badForKubernetesNames: Array<[string, string]> = [['upper case', 'Shell-0']];

async function servesStill(): Promise<void> {
  const client = openTerminal(stack.wsUrl, { command: ['echo', 'still-serving'] }, { token: stack.token() });
  await client.waitForOutput('still-serving\n');
}

/** A GET sent with its path exactly as given (URL parsers would resolve %2E%2E). */
function rawRequest(path: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const { port } = new URL(stack.gatewayUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    // After an upgrade, the gateway's first frame: a text frame short enough for a one-byte length.
    req.on('upgrade', (_res, socket, head) => {
      let data = head;
      const done = () => {
        if (data.length < 2) return false;
        const length = data[1]! & 0x7f;
        const offset = length === 126 ? 4 : 2;
        const size = length === 126 ? data.readUInt16BE(2) : length;
        if (data.length < offset + size) return false;
        socket.destroy();
        resolve({ status: 101, text: data.subarray(offset, offset + size).toString() });
        return true;
      };
      if (!done()) socket.on('data', (chunk: Buffer) => void ((data = Buffer.concat([data, chunk])), done()));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('names are checked before any upstream call', () => {
  it('refuses bad cluster and namespace names over REST with 400 invalid_name naming the field', async () => {
    const token = stack.token();
    for (const [what, bad] of [...badNames, ...badForKubernetesNames]) {
      for (const [field, path] of [
        ['cluster', `/api/clusters/${bad}/namespaces/default/pods`],
        ['namespace', `/api/clusters/local/namespaces/${bad}/pods`],
      ] as const) {
        if (field === 'cluster' && badForKubernetesNames.some(([, name]) => name === bad)) continue;
        const { status, text } = await rawRequest(path, { Authorization: `Bearer ${token}` });
        const body = JSON.parse(text) as { error: { code: string; message: string } };
        expect({ what, field, status, code: body.error.code }).toEqual({ what, field, status: 400, code: 'invalid_name' });
        expect(body.error.message).toContain(field);
      }
    }
  });

  it('refuses them on the terminal websocket with an error naming the field, dialling nothing', async () => {
    const token = stack.token();
    const execs = stack.cluster.activeExecs();
    const upgrade = {
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
      'Sec-WebSocket-Protocol': `webterm.v1, bearer.${token}`,
    };
    for (const [what, bad] of [...badNames, ...badForKubernetesNames]) {
      for (const field of ['cluster', 'namespace', 'pod', 'container'] as const) {
        if (field === 'cluster' && badForKubernetesNames.some(([, name]) => name === bad)) continue;
        const segments = { cluster: 'local', namespace: 'default', pod: 'shell-0', [field]: bad };
        const query = field === 'container' ? `container=${bad}&command=true` : 'command=true';
        const { status, text } = await rawRequest(
          `/api/clusters/${segments.cluster}/namespaces/${segments.namespace}/pods/${segments.pod}/exec?${query}`,
          upgrade,
        );
        // Refused after the upgrade as a webterm.v1 error message (or before it, as 400).
        const message =
          status === 101
            ? (JSON.parse(text) as { type: string; status: number; message: string })
            : { type: 'error', ...(JSON.parse(text) as { error: { message: string } }).error, status };
        expect({ what, field, type: message.type, status: message.status }).toEqual({ what, field, type: 'error', status: 400 });
        expect(message.message).toContain(field);
      }
    }
    expect(stack.cluster.activeExecs()).toBe(execs);
    await servesStill();
  });
});

describe('commands', () => {
  it('refuses too many arguments, too long a command, and NUL, with 4400', async () => {
    const token = stack.token();
    for (const command of [
      Array.from({ length: 300 }, () => 'x'),
      ['echo', 'y'.repeat(12 * 1024), ...Array.from({ length: 5 }, () => 'z'.repeat(12 * 1024))],
      ['echo', 'a\0b'],
    ]) {
      const client = openTerminal(stack.wsUrl, { command }, { token });
      const outcome = await Promise.race([client.closed.then((c) => c.code), client.refused.then((r) => r.status)]);
      // A URL beyond Node's header limit (16 KiB) is refused by the HTTP layer (431); the rest by the gateway.
      if (outcome === 4400)
        expect(client.messages[0]).toMatchObject({ type: 'error', code: 'bad_request', message: expect.stringMatching(/command/) });
      else expect(outcome).toBe(431);
    }
    await servesStill();
  });
});

describe('control messages and frames', () => {
  it('ignores malformed, unknown and out-of-range control messages with a notice, and the session goes on', async () => {
    const client = openTerminal(stack.wsUrl, {}, { token: stack.token() });
    await client.waitForMessage('session');
    const bad = [
      'not json',
      '[]',
      'null',
      '{"type":"launch-missiles"}',
      '{"type":"resize","cols":70000,"rows":10}',
      '{"type":"resize","cols":-1,"rows":10}',
      '{"type":"resize","cols":0,"rows":0}',
      '{"type":"resize","cols":1.5,"rows":10}',
      '{"type":"resize","cols":"80","rows":"24"}',
      '{"type":"token"}',
      `{"type":"resize","cols":80,"rows":24,"pad":"${'x'.repeat(20_000)}"}`,
    ];
    for (const text of bad) client.ws.send(text);
    await poll(() => client.messages.filter((m) => m.type === 'notice').length === bad.length, 5000, 'a notice for each');
    const notices = client.messages.filter((m) => m.type === 'notice').map((m) => (m.type === 'notice' ? m.message : ''));
    expect(notices.every((n) => n.startsWith('ignored: '))).toBe(true);
    expect(notices).toContain('ignored: unknown control message type "launch-missiles"');
    expect(notices.filter((n) => n.includes('resize needs integer cols and rows'))).toHaveLength(5);
    expect(notices.some((n) => n.includes('longer than'))).toBe(true);
    client.sendText('stty size; echo alive-$((2+2))\n');
    await client.waitForOutput('alive-4');
    client.ws.close(1000);
  });

  it('treats a text frame of keystrokes as a control message (ignored, said so), never as stdin', async () => {
    const client = openTerminal(stack.wsUrl, { command: ['cat'], tty: false }, { token: stack.token() });
    await client.waitForMessage('session');
    client.ws.send('echo injected\n');
    await client.waitForMessage('notice');
    client.sendText('binary-input\n');
    await client.waitForOutput('binary-input\n');
    expect(client.outputText()).toBe('binary-input\n');
    client.ws.close(1000);
  });

  it('closes a session that sends a 100 MiB frame with 1009, and the gateway serves on', async () => {
    const client = openTerminal(stack.wsUrl, { command: ['cat'], tty: false }, { token: stack.token() });
    await client.waitForMessage('session');
    const rssBefore = process.memoryUsage().rss;
    // The frame's header (binary, masked, a 64-bit length of 100 MiB) and its first 64 KiB, written
    // on the client's socket: the client then holds no 100 MiB of its own, and the gateway's RSS is
    // this process's growth. (ws's own send would keep the payload and a masked copy: 200 MiB.)
    const header = Buffer.from([0x82, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
    header.writeUInt32BE(100 * 1024 * 1024, 6);
    const socket = socketOf(client.ws);
    socket.write(Buffer.concat([header, Buffer.alloc(64 * 1024)]));
    expect((await client.closed).code).toBe(1009);
    // The frame was refused from its header: the gateway did not buffer it.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(32 * 1024 * 1024);
    await poll(() => stack.logs.some((l) => l.includes('"event":"session.end"')), 2000, 'the session to end');
    await servesStill();
  });

  it('refuses a REST body over the limit with 413 and a JSON error', async () => {
    const response = await fetch(`${stack.gatewayUrl}/api/clusters/local/actions/hello`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${stack.token()}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ namespace: 'default', pods: Array.from({ length: 20_000 }, (_, i) => `pod-${i}`) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: { code: 'payload_too_large', message: 'request body is too large' } });
  });

  it('refuses unknown fields and wrong types in an action body with 400 naming them', async () => {
    const post = (body: string) =>
      fetch(`${stack.gatewayUrl}/api/clusters/local/actions/hello`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${stack.token()}`, 'Content-Type': 'application/json' },
        body,
      });
    const unknown = await post('{"namespace":"default","command":["rm","-rf","/"]}');
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain('command');
    const wrong = await post('{"namespace":42}');
    expect(wrong.status).toBe(400);
    const broken = await post('{"namespace":');
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { message: string } }).error.message).toBe('request body is not valid JSON');
  });
});

describe('websocket abuse', () => {
  it('refuses a foreign Origin with 403 and a missing webterm.v1 with 400, before the upgrade', async () => {
    const foreign = openTerminal(stack.wsUrl, { command: ['true'] }, { token: stack.token(), origin: 'https://evil.example' });
    expect((await foreign.refused).status).toBe(403);
    const bare = openTerminal(
      stack.wsUrl,
      { command: ['true'] },
      { token: stack.token(), tokenInHeader: true, protocols: ['something-else'] },
    );
    const refused = await bare.refused;
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('webterm.v1');
  });

  it('keeps serving while 200 upgrade requests hang half-sent, and drops them after the header timeout', async () => {
    const { port } = new URL(stack.gatewayUrl);
    const started = Date.now();
    const closedAt: number[] = [];
    const answers = new Set<string>();
    const hanging = Array.from({ length: 200 }, () => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write('GET /api/clusters/local/namespaces/default/pods/shell-0/exec HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n');
      });
      socket.on('data', (data: Buffer) => answers.add(data.toString().split('\r\n')[0]!));
      socket.on('error', () => undefined);
      return new Promise<void>((resolve) => socket.once('close', () => resolve(void closedAt.push(Date.now()))));
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const serving = Date.now();
    await servesStill();
    expect(Date.now() - serving).toBeLessThan(5000);
    expect(closedAt).toEqual([]);
    await Promise.all(hanging);
    // headersTimeout (15 s) and the 5 s check interval bound how long a half-sent request lives.
    expect(Math.max(...closedAt) - started).toBeLessThan(21_000);
    expect([...answers]).toEqual(['HTTP/1.1 408 Request Timeout']);
  }, 60_000);

  it('pauses the output for a client that never reads, keeps memory flat, and drops it after the bound', async () => {
    const execs = stack.cluster.activeExecs();
    const client = openTerminal(stack.wsUrl, { command: ['yes', 'flood'], tty: false }, { token: stack.token() });
    await client.waitForMessage('session');
    const underlying = socketOf(client.ws);
    underlying.pause();
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
    await poll(() => stack.logs.some((l) => l.includes('client_stalled')), 10_000, 'the stalled client to be dropped');
    clearInterval(sampler);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThan(1500);
    expect(elapsed).toBeLessThan(8000);
    expect(peak - rssBefore).toBeLessThan(64 * 1024 * 1024);
    underlying.destroy();
    await poll(() => stack.cluster.activeExecs() === execs, 5000, 'the flood to end');
    await servesStill();
  }, 30_000);
});
