// Pod logs and attach through the gateway and a real kube-apiserver 1.34:
// the API server's pods/log proxy and its attach translation to the test
// node, for the REST endpoint, the terminal websocket and kubectl alike.
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlBinaries, kubectlOfMinor, runKubectl } from '../helpers/kubectl.js';
import { openTerminal } from '../helpers/terminal-client.js';
import { skipReason, startControlPlane, type ControlPlane } from './helpers/control-plane.js';
import { startRealGateway, type RealGateway } from './helpers/gateway.js';
import { httpsRequest } from './helpers/raw.js';

const skip = skipReason();
const kubectl = [...kubectlBinaries(), kubectlOfMinor(33)].find((b) => b !== undefined);

describe.skipIf(skip !== undefined)('logs and attach through the gateway and a real API server', () => {
  let plane: ControlPlane;
  let gateway: RealGateway;
  const ns = 'webterm-a';

  beforeAll(async () => {
    plane = await startControlPlane();
    await plane.createPod(ns, 'app-0', { containers: [{ name: 'app' }] });
    gateway = await startRealGateway(plane);
  }, 30 * 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await plane?.stop();
  });

  const runKubectlThrough = (args: string[], input?: string) =>
    runKubectl(
      kubectl!,
      [
        '--server',
        `${gateway.url}/k8s/clusters/real`,
        '--token',
        gateway.token(),
        '--certificate-authority',
        gateway.caFile,
        '-n',
        ns,
        ...args,
      ],
      { timeoutMs: 30_000, input },
    );

  /** A GET to the gateway over its TLS, the body as text. */
  const getText = (path: string) =>
    new Promise<{ status: number; type: string; text: string }>((resolve, reject) => {
      request(`${gateway.url}${path}`, { ca: gateway.caPem, headers: { Authorization: `Bearer ${gateway.token()}` } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), text }));
      })
        .on('error', reject)
        .end();
    });

  it('streams a pod log over REST as text/plain', async () => {
    const res = await getText(`/api/clusters/real/namespaces/${ns}/pods/app-0/log?container=app&follow=true`);
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/plain; charset=utf-8');
    expect(res.text).toBe(`log of ${ns}/app-0 container app\n`);
  });

  it('answers 404 in the API server words for a pod that does not exist', async () => {
    const res = await getText(`/api/clusters/real/namespaces/${ns}/pods/nope/log`);
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text)).toEqual({ error: { code: 'not_found', message: 'pods "nope" not found' } });
  });

  it('attaches the terminal protocol to the container, with no TTY as the container was started', async () => {
    const term = openTerminal(
      gateway.wsUrl,
      { cluster: 'real', namespace: ns, pod: 'app-0', endpoint: 'attach' },
      { token: gateway.token() },
    );
    await term.opened;
    const session = await term.waitForMessage('session', 15_000);
    expect(session).toMatchObject({ type: 'session', container: 'app', tty: false });
    term.sendText('echo attached-$((6*7))\n');
    await term.waitForOutput('attached-42', 15_000);
    term.control({ type: 'eof' });
    const closed = await term.closed;
    expect(closed.code).toBe(1000);
  });

  /** POST …/pods/{pod}/debug to the gateway, the answer as JSON. */
  const postDebug = (pod: string, body: unknown) =>
    new Promise<{ status: number; body: { container?: string; error?: unknown } }>((resolve, reject) => {
      const req = request(
        `${gateway.url}/api/clusters/real/namespaces/${ns}/pods/${pod}/debug`,
        { method: 'POST', ca: gateway.caPem, headers: { Authorization: `Bearer ${gateway.token()}`, 'Content-Type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { container?: string } }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });

  /** How many PATCHes of pods/ephemeralcontainers the real API server has answered 409, from its own metrics. */
  const conflicts = async () => {
    const metrics = await httpsRequest({ url: plane.url, caPem: plane.caPem, token: plane.tokens.admin }, '/metrics', {
      headers: { Accept: 'text/plain' },
    });
    return metrics.body
      .split('\n')
      .filter((line) => line.startsWith('apiserver_request_total{') && line.includes('code="409"'))
      .filter((line) => line.includes('subresource="ephemeralcontainers"') && line.includes('verb="PATCH"'))
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
  };

  it('starts debug containers through the real API server (two at once: one PATCH meets a 409 and retries) and attaches', async () => {
    // Both read the same resourceVersion; the API server takes one PATCH and refuses the other's stale one.
    // Until the API server's own count shows such a 409 (the two requests may also happen not to overlap).
    const before = await conflicts();
    let first = { status: 0, body: {} as { container?: string } };
    let second = first;
    for (let round = 0; round < 5 && (round === 0 || (await conflicts()) === before); round++) {
      [first, second] = await Promise.all([postDebug('app-0', { target: 'app' }), postDebug('app-0', { target: 'app' })]);
      expect([first.status, second.status]).toEqual([201, 201]);
      expect(first.body.container).not.toBe(second.body.container);
    }
    expect(await conflicts()).toBeGreaterThan(before);
    const pod = await getText(`/api/clusters/real/namespaces/${ns}/pods`);
    expect(pod.status).toBe(200);
    for (const name of [first.body.container!, second.body.container!]) expect(pod.text).toContain(name);
    const term = openTerminal(
      gateway.wsUrl,
      { cluster: 'real', namespace: ns, pod: 'app-0', container: first.body.container!, endpoint: 'attach' },
      { token: gateway.token() },
    );
    await term.opened;
    const session = await term.waitForMessage('session', 15_000);
    expect(session).toMatchObject({ type: 'session', container: first.body.container, tty: true });
    term.sendText('echo debug-$((6*7))\r');
    await term.waitForOutput('debug-42', 15_000);
    term.sendText('exit\r');
    expect((await term.closed).code).toBe(1000);
  });

  it.skipIf(kubectl === undefined)('runs kubectl logs through the gateway', async () => {
    const result = await runKubectlThrough(['logs', 'app-0', '-c', 'app']);
    expect(result.stderr).toBe('');
    expect(result.stdout.toString()).toBe(`log of ${ns}/app-0 container app\n`);
  });

  it.skipIf(kubectl === undefined)('runs kubectl attach -i through the gateway', async () => {
    const result = await runKubectlThrough(['attach', '-i', 'app-0', '-c', 'app'], 'echo via-kubectl-$((6*7))\n');
    expect(result.stdout.toString()).toContain('via-kubectl-42');
  });
});
