// Real RBAC deciding, the ways a gateway holds a real cluster's credential,
// and a real API server going away: the gateway's own credential without a
// verb, impersonated users whose RoleBindings differ, a kubeconfig with an
// exec credential plugin, a rotating token file, and an API server killed in
// the middle of a session and started again.
import { chmodSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTerminal } from '../helpers/terminal-client.js';
import { skipReason, startControlPlane, type ControlPlane } from './helpers/control-plane.js';
import { startRealGateway, type RealGateway } from './helpers/gateway.js';

const skip = skipReason();

describe.skipIf(skip !== undefined)('RBAC and restarts of a real API server', () => {
  let plane: ControlPlane;
  let gateway: RealGateway;
  const ns = 'webterm-a';

  beforeAll(async () => {
    plane = await startControlPlane({
      namespaces: [ns],
      impersonatedExec: { [ns]: ['alice'] },
      impersonatedReadOnly: { [ns]: ['bob'] },
    });
    await plane.createPod(ns, 'shell-0', { containers: [{ name: 'shell' }] });
    // An exec credential plugin, as EKS, GKE and AKS kubeconfigs use: it prints the gateway's token.
    const plugin = join(plane.dir, 'credential-plugin.sh');
    writeFileSync(
      plugin,
      `#!/bin/sh\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$PLUGIN_TOKEN"\n`,
    );
    chmodSync(plugin, 0o755);
    const kubeconfig = JSON.parse(plane.kubeconfig('gateway')) as {
      contexts: Array<{ name: string }>;
      users: Array<{ user: unknown }>;
      'current-context': string;
    };
    kubeconfig.contexts[0]!.name = kubeconfig['current-context'] = 'real-exec-plugin';
    kubeconfig.users[0]!.user = {
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: plugin,
        env: [{ name: 'PLUGIN_TOKEN', value: plane.tokens.gateway }],
        interactiveMode: 'Never',
      },
    };
    writeFileSync(join(plane.dir, 'kubeconfig'), JSON.stringify(kubeconfig));
    // A token file that starts with a credential lacking `get` on pods/exec; a test rotates it.
    writeFileSync(tokenFile(), plane.tokens.createOnly);
    gateway = await startRealGateway(
      plane,
      {
        policy: [
          { groups: ['dev'], clusters: ['*'], namespaces: ['*'], allow: ['*'] },
          { groups: ['ops'], clusters: ['real'], namespaces: [ns], allow: ['exec'] },
        ],
      },
      [
        { kubeconfig: join(plane.dir, 'kubeconfig') },
        { name: 'real-token-file', server: plane.url, caData: plane.caPem, tokenFile: tokenFile() },
        { name: 'real-admin', server: plane.url, caData: plane.caPem, token: plane.tokens.admin },
      ],
    );
  }, 30 * 60_000);

  const tokenFile = () => join(plane.dir, 'rotating-token');

  afterAll(async () => {
    await gateway?.stop();
    await plane?.stop();
  });

  const open = (cluster: string, sub: string, command = ['id', '-un']) =>
    openTerminal(gateway.wsUrl, { cluster, namespace: ns, pod: 'shell-0', command }, { token: gateway.token({ sub }) });

  it('shows a clear 403 naming the verb when the gateway’s credential has pods/exec create but not get', async () => {
    // A websocket exec is a GET: the API server authorizes it as `get` on pods/exec.
    const term = open('real-create-only', 'alice');
    const closed = await term.closed;
    const error = term.messages.find((m) => m.type === 'error');
    expect(error, JSON.stringify(term.messages)).toMatchObject({ type: 'error', status: 403 });
    expect((error as { message: string }).message).toContain(
      `User "webterm-exec-create-only" cannot get resource "pods/exec" in API group "" in the namespace "${ns}"`,
    );
    expect(closed.code).toBe(4403);
  });

  it('needs only get on pods/exec from a 1.34 API server (1.35 adds a check of create)', async () => {
    const term = open('real-get-only', 'alice');
    await term.closed;
    expect(term.messages, JSON.stringify(term.messages)).toContainEqual({ type: 'exit', code: 0 });
  });

  it('lets the impersonated user’s RBAC allow the session', async () => {
    const term = open('real-impersonate', 'alice');
    await term.closed;
    expect(term.messages, JSON.stringify(term.messages)).toContainEqual({ type: 'exit', code: 0 });
  });

  it('passes on the API server’s 403 for an impersonated user without pods/exec', async () => {
    const term = open('real-impersonate', 'bob');
    const closed = await term.closed;
    const error = term.messages.find((m) => m.type === 'error') as { status: number; message: string } | undefined;
    expect(error, JSON.stringify(term.messages)).toMatchObject({ status: 403 });
    expect(error!.message).toContain(
      `pods "shell-0" is forbidden: User "bob" cannot get resource "pods/exec" in API group "" in the namespace "${ns}"`,
    );
    expect(closed.code).toBe(4403);
  });

  it('lists pods with the gateway’s credential and refuses the impersonated user the API server refuses', async () => {
    const listed = await gateway.request<{ items: Array<{ name: string }> }>('GET', `/api/clusters/real/namespaces/${ns}/pods`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((p) => p.name)).toEqual(['shell-0']);
    const other = await gateway.request<{ error: { message: string } }>(
      'GET',
      `/api/clusters/real-impersonate/namespaces/${ns}/pods`,
      undefined,
      gateway.token({ sub: 'carol' }),
    );
    expect(other.status).toBe(403);
  });

  it('lists namespaces for the page with the cluster-wide list an admin credential has', async () => {
    const listed = await gateway.request<{ items: Array<{ name: string }> }>('GET', '/api/clusters/real-admin/namespaces');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((n) => n.name)).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system', ns]);
  });

  // The namespace picker lists /api/v1/namespaces, a cluster-wide list that a
  // credential bound by namespaced Roles does not have: the API server refuses
  // it, and the gateway offers the namespaces its policy names instead.
  it('lists namespaces for the page with the least-privilege Role: those the policy names', async () => {
    const ops = gateway.token({ sub: 'olga', groups: ['ops'] });
    const listed = await gateway.request<{ items: Array<{ name: string; exec: boolean }> }>(
      'GET',
      '/api/clusters/real/namespaces',
      undefined,
      ops,
    );
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    expect(listed.body.items).toEqual([{ name: ns, exec: true, actions: [], logs: false, debug: false }]);
    // A user whose rules name only patterns is told what to change.
    const dev = await gateway.request<{ error: { code: string; message: string } }>('GET', '/api/clusters/real/namespaces');
    expect(dev.status).toBe(403);
    expect(dev.body.error.message).toMatch(/does not let the gateway list namespaces.*name the namespaces in the policy/);
  });

  it('gets its credential from a kubeconfig’s exec plugin', async () => {
    const term = open('real-exec-plugin', 'alice');
    await term.closed;
    expect(term.messages, JSON.stringify(term.messages)).toContainEqual({ type: 'exit', code: 0 });
  });

  it('reads a rotated token file without a restart', async () => {
    const before = open('real-token-file', 'alice');
    await before.closed;
    expect(before.messages.find((m) => m.type === 'error')).toMatchObject({ status: 403 });
    writeFileSync(tokenFile(), plane.tokens.gateway);
    // A rotation always moves the modification time; make sure it does within one millisecond too.
    const later = new Date(Date.now() + 2000);
    utimesSync(tokenFile(), later, later);
    const after = open('real-token-file', 'alice');
    await after.closed;
    expect(after.messages, JSON.stringify(after.messages)).toContainEqual({ type: 'exit', code: 0 });
  });

  it('ends a session with 4502 when the API server dies, and opens a new one once it is back', async () => {
    const term = open('real', 'alice', ['sh', '-c', 'echo ready; exec sleep 600']);
    await term.waitForOutput('ready', 15_000);
    await plane.stopApiServer();
    const closed = await term.closed;
    expect(closed.code).toBe(4502);
    expect(term.messages.find((m) => m.type === 'error')).toMatchObject({ type: 'error', status: 502 });
    expect(term.messages.some((m) => m.type === 'exit')).toBe(false);

    await plane.startApiServer();
    const again = open('real', 'alice', ['sh', '-c', 'echo back']);
    await again.closed;
    expect(again.outputText()).toBe('back\n');
    expect(again.messages).toContainEqual({ type: 'exit', code: 0 });
  }, 180_000);
});
