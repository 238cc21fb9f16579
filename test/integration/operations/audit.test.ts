// The audit log: one JSON line per event kind, with who, where, what and how
// it ended; never a credential, never a stdin byte.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../helpers/stack.js';
import { openTerminal, poll } from '../../helpers/terminal-client.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    config: {
      sessions: { maxSessionsPerUser: 1 },
      policy: [{ groups: ['dev'], clusters: ['*'], namespaces: ['default'], allow: ['exec', 'hello'] }],
      actions: { hello: { command: ['echo', 'hello'], namespace: 'default', selector: 'app=shell' } },
    },
  });
});

afterAll(async () => {
  await stack.stop();
});

type AuditLine = Record<string, unknown> & { event: string };

function auditLines(): AuditLine[] {
  return stack.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((l): l is AuditLine => l.audit === true);
}

async function waitForEvent(event: string, match: (line: AuditLine) => boolean = () => true): Promise<AuditLine> {
  await poll(() => auditLines().some((l) => l.event === event && match(l)), 3000, `an audit ${event} line`);
  return auditLines().find((l) => l.event === event && match(l))!;
}

describe('audit log', () => {
  it('writes session.start and session.end with who, where, what, bytes each way and the exit code', async () => {
    const token = stack.token({ sub: 'alice', groups: ['dev'] });
    const client = openTerminal(stack.wsUrl, { command: ['sh', '-c', 'read line; echo got; exit 3'], tty: false }, { token });
    const session = await client.waitForMessage('session');
    const id = session.type === 'session' ? session.id : '';
    client.sendText('TOP-SECRET-STDIN-7f3a\n');
    expect(await client.waitForMessage('exit')).toEqual({ type: 'exit', code: 3 });

    const start = await waitForEvent('session.start', (l) => l.sessionId === id);
    expect(start).toMatchObject({
      user: 'alice',
      groups: ['dev'],
      cluster: 'local',
      namespace: 'default',
      pod: 'shell-0',
      command: ['sh', '-c', 'read line; echo got; exit 3'],
      tty: false,
    });
    expect(typeof start.time).toBe('string');
    const end = await waitForEvent('session.end', (l) => l.sessionId === id);
    expect(end).toMatchObject({ user: 'alice', cluster: 'local', pod: 'shell-0', bytesIn: 22, bytesOut: 4, exitCode: 3, reason: 'exit' });
    expect(end.durationMs).toEqual(expect.any(Number));
  });

  it('writes action.pod per pod and action.run per run', async () => {
    const response = await fetch(`${stack.gatewayUrl}/api/clusters/local/actions/hello`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${stack.token({ sub: 'alice' })}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    const body = (await response.json()) as { results: Array<{ pod: string }> };
    const run = await waitForEvent('action.run', (l) => l.action === 'hello');
    expect(run).toMatchObject({
      user: 'alice',
      cluster: 'local',
      namespace: 'default',
      success: true,
      pods: body.results.map((r) => r.pod),
    });
    const pod = await waitForEvent('action.pod', (l) => l.runId === run.runId);
    expect(pod).toMatchObject({ action: 'hello', cluster: 'local', namespace: 'default', exitCode: 0 });
  });

  it('writes a refusal with why: no token, a foreign origin, the policy, an action not granted, the session cap', async () => {
    await fetch(`${stack.gatewayUrl}/api/clusters`);
    await openTerminal(stack.wsUrl, { command: ['true'] }, { token: stack.token(), origin: 'https://evil.example' }).refused;
    await openTerminal(stack.wsUrl, { namespace: 'kube-system', command: ['true'] }, { token: stack.token({ sub: 'bob' }) }).closed;
    await fetch(`${stack.gatewayUrl}/api/clusters/local/actions/nginx-reload`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${stack.token({ sub: 'bob' })}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    const held = openTerminal(stack.wsUrl, { command: ['sleep', '30'] }, { token: stack.token({ sub: 'carol' }) });
    await held.waitForMessage('session');
    await openTerminal(stack.wsUrl, { command: ['sleep', '30'] }, { token: stack.token({ sub: 'carol' }) }).closed;
    held.ws.close(1000);

    expect(await waitForEvent('refusal', (l) => l.code === 'unauthenticated')).toMatchObject({
      what: 'rest',
      reason: expect.stringContaining('no token'),
    });
    expect(await waitForEvent('refusal', (l) => l.code === 'origin_refused')).toMatchObject({
      what: 'upgrade',
      reason: expect.stringContaining('evil.example'),
    });
    expect(await waitForEvent('refusal', (l) => l.code === 'forbidden' && l.what === 'exec')).toMatchObject({
      user: 'bob',
      namespace: 'kube-system',
      reason: expect.stringContaining('may not open a shell'),
    });
    expect(await waitForEvent('refusal', (l) => l.code === 'too_many_sessions')).toMatchObject({ user: 'carol', what: 'exec' });
  });

  it('never holds a token, a cluster credential or a stdin byte', () => {
    const text = stack.logs.filter((l) => l.includes('"audit":true')).join('\n');
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain('TOP-SECRET-STDIN');
    expect(text).not.toContain(stack.secret);
    expect(text).not.toContain(stack.cluster.token);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
    expect(text).not.toContain('PRIVATE KEY');
  });

  it('appends to audit.file, created readable by the gateway’s user only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'webterm-audit-'));
    const file = join(dir, 'logs', 'audit.log');
    try {
      const fileStack = await startStack({ cluster: stack.cluster, config: { audit: { file } }, auditToConfig: true });
      await fetch(`${fileStack.gatewayUrl}/api/clusters`);
      await fileStack.stop();
      await poll(
        () => {
          try {
            return readFileSync(file, 'utf8').includes('"event":"refusal"');
          } catch {
            return false;
          }
        },
        3000,
        'the audit file',
      );
      const line = JSON.parse(readFileSync(file, 'utf8').trim().split('\n').at(-1)!) as AuditLine;
      expect(line).toMatchObject({ audit: true, event: 'refusal', what: 'rest', code: 'unauthenticated' });
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
