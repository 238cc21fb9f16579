// /metrics: valid Prometheus text, and figures that move with traffic.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startStack, type Stack } from '../../helpers/stack.js';
import { openTerminal, poll } from '../../helpers/terminal-client.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    config: {
      actions: { hello: { command: ['echo', 'hello'], namespace: 'default', selector: 'app=shell' } },
    },
  });
});

afterAll(async () => {
  await stack.stop();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Parses the Prometheus text exposition format strictly enough to catch a
 * malformed line. Values are Go floats, so NaN in any case (prom-client writes "Nan").
 */
function parsePrometheus(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type !== null) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$/.test(line)) continue;
    const sample =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})? (-?[0-9.eE+-]+|[Nn]a[Nn]|[+-]Inf)$/.exec(
        line,
      );
    if (sample === null) throw new Error(`not a Prometheus line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    const family = sample[1]!.replace(/_(bucket|sum|count)$/, '');
    if (!types.has(sample[1]!) && !types.has(family)) throw new Error(`sample of an undeclared metric: ${line}`);
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return { types, samples };
}

async function scrape(): Promise<{ types: Map<string, string>; value(name: string, labels?: Record<string, string>): number }> {
  const response = await fetch(`${stack.gatewayUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const { types, samples } = parsePrometheus(await response.text());
  return {
    types,
    value: (name, labels = {}) =>
      samples
        .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        .reduce((sum, s) => sum + s.value, 0),
  };
}

describe('/metrics', () => {
  it('declares the metrics an operator needs, in valid Prometheus text', async () => {
    const { types } = await scrape();
    expect(
      Object.fromEntries([...types].filter(([name]) => !name.startsWith('webterm_process') && !name.startsWith('webterm_nodejs'))),
    ).toEqual({
      webterm_sessions_open: 'gauge',
      webterm_sessions_total: 'counter',
      webterm_session_bytes_total: 'counter',
      webterm_upstream_connect_seconds: 'histogram',
      webterm_action_runs_total: 'counter',
      webterm_refusals_total: 'counter',
    });
    expect(types.get('webterm_process_resident_memory_bytes')).toBe('gauge');
  });

  it('moves with traffic: sessions, bytes each way, connect latency, action runs, refusals', async () => {
    const before = await scrape();
    const client = openTerminal(stack.wsUrl, { command: ['cat'], tty: false }, { token: stack.token() });
    await client.waitForMessage('session');
    client.sendText('0123456789\n');
    await client.waitForOutput('0123456789\n');

    const during = await scrape();
    expect(during.value('webterm_sessions_open', { cluster: 'local' })).toBe(
      before.value('webterm_sessions_open', { cluster: 'local' }) + 1,
    );
    // Bytes of an open session count before it ends.
    expect(
      during.value('webterm_session_bytes_total', { direction: 'in' }) - before.value('webterm_session_bytes_total', { direction: 'in' }),
    ).toBe(11);
    expect(
      during.value('webterm_session_bytes_total', { direction: 'out' }) - before.value('webterm_session_bytes_total', { direction: 'out' }),
    ).toBe(11);
    expect(during.value('webterm_upstream_connect_seconds_count', { cluster: 'local' })).toBe(
      before.value('webterm_upstream_connect_seconds_count', { cluster: 'local' }) + 1,
    );

    client.control({ type: 'eof' });
    await client.waitForMessage('exit');
    const refused = await fetch(`${stack.gatewayUrl}/api/clusters`, { headers: { Authorization: 'Bearer not-a-jwt' } });
    expect(refused.status).toBe(401);
    const action = await fetch(`${stack.gatewayUrl}/api/clusters/local/actions/hello`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${stack.token()}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(((await action.json()) as { success: boolean }).success).toBe(true);

    const after = await scrape();
    expect(after.value('webterm_sessions_open', { cluster: 'local' })).toBe(before.value('webterm_sessions_open', { cluster: 'local' }));
    expect(after.value('webterm_sessions_total', { cluster: 'local', outcome: 'exit' })).toBe(
      before.value('webterm_sessions_total', { cluster: 'local', outcome: 'exit' }) + 1,
    );
    // Once ended, the session's bytes stay in the totals.
    expect(
      after.value('webterm_session_bytes_total', { direction: 'out' }) - before.value('webterm_session_bytes_total', { direction: 'out' }),
    ).toBe(11);
    expect(after.value('webterm_refusals_total', { what: 'rest', reason: 'unauthenticated' })).toBe(
      before.value('webterm_refusals_total', { what: 'rest', reason: 'unauthenticated' }) + 1,
    );
    expect(after.value('webterm_action_runs_total', { action: 'hello', cluster: 'local', result: 'success' })).toBe(
      before.value('webterm_action_runs_total', { action: 'hello', cluster: 'local', result: 'success' }) + 1,
    );
  });

  it('counts the bytes of kubectl sessions while they are open, as stdin and output payload', async () => {
    const before = await scrape();
    const url = `${stack.gatewayUrl.replace('http', 'ws')}/k8s/clusters/local/api/v1/namespaces/default/pods/shell-0/exec?command=cat&stdin=true&stdout=true`;
    const kubectl = new WebSocket(url, ['v5.channel.k8s.io'], { headers: { Authorization: `Bearer ${stack.token()}` } });
    const output: Buffer[] = [];
    kubectl.on('message', (data: Buffer) => {
      if (data[0] === 1) output.push(data.subarray(1));
    });
    await once(kubectl, 'open');
    kubectl.send(Buffer.from('\x000123456789\n', 'latin1'));
    await poll(() => Buffer.concat(output).toString() === '0123456789\n', 5000, 'the echo');
    const during = await scrape();
    expect(
      during.value('webterm_session_bytes_total', { direction: 'in' }) - before.value('webterm_session_bytes_total', { direction: 'in' }),
    ).toBe(11);
    expect(
      during.value('webterm_session_bytes_total', { direction: 'out' }) - before.value('webterm_session_bytes_total', { direction: 'out' }),
    ).toBe(11);

    kubectl.send(Buffer.from([255, 0]));
    await once(kubectl, 'close');
    // The gateway counts the session ended before it closes kubectl's websocket.
    const after = await scrape();
    expect(after.value('webterm_sessions_open', { cluster: 'local' })).toBe(before.value('webterm_sessions_open', { cluster: 'local' }));
    expect(
      after.value('webterm_session_bytes_total', { direction: 'in' }) - before.value('webterm_session_bytes_total', { direction: 'in' }),
    ).toBe(11);
    expect(
      after.value('webterm_session_bytes_total', { direction: 'out' }) - before.value('webterm_session_bytes_total', { direction: 'out' }),
    ).toBe(11);
  });

  it('asks for its own bearer token when one is configured', async () => {
    const guarded = await startStack({ cluster: stack.cluster, config: { metrics: { bearerToken: 'scrape-secret-123' } } });
    try {
      const without = await fetch(`${guarded.gatewayUrl}/metrics`);
      expect(without.status).toBe(401);
      expect(((await without.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
      const wrong = await fetch(`${guarded.gatewayUrl}/metrics`, { headers: { Authorization: 'Bearer scrape-secret-124' } });
      expect(wrong.status).toBe(401);
      const right = await fetch(`${guarded.gatewayUrl}/metrics`, { headers: { Authorization: 'Bearer scrape-secret-123' } });
      expect(right.status).toBe(200);
    } finally {
      await guarded.stop();
    }
    const off = await startStack({ cluster: stack.cluster, config: { metrics: { enabled: false } } });
    try {
      expect((await fetch(`${off.gatewayUrl}/metrics`)).status).toBe(404);
    } finally {
      await off.stop();
    }
  });
});
