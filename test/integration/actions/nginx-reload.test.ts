// The motivating case end to end: ingress-nginx rules edited, then reloaded
// from the action API in every controller pod, with real nginx instances that
// route by a request header to one of two upstream servers.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionFanOutResult, ActionRunResult } from '../../../shared/api.js';
import type { LocalPod } from '@webterm/local-cluster';
import { startStack, type Stack } from '../../helpers/stack.js';

const haveNginx = existsSync('/usr/sbin/nginx');
if (!haveNginx) throw new Error('nginx is not installed (/usr/sbin/nginx): .ci/run installs Debian nginx-light for these tests');

let stack: Stack;
let upstreamA: Server;
let upstreamB: Server;
let controllers: LocalPod[];

function listen(name: string): Promise<Server> {
  const server = createServer((_req, res) => res.end(name));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
const portOf = (server: Server) => (server.address() as AddressInfo).port;

/** The pod's nginx config: `X-Route: b` goes to upstream B when `routeB` is set, everything else to A. */
function routingConf(pod: LocalPod, routeB: boolean): string {
  const { prefix, port } = pod.nginx!;
  return `pid ${prefix}/logs/nginx.pid;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path ${prefix}/temp/body;
    proxy_temp_path ${prefix}/temp/proxy;
    upstream upstream_a { server 127.0.0.1:${portOf(upstreamA)}; }
    upstream upstream_b { server 127.0.0.1:${portOf(upstreamB)}; }
    map $http_x_route $backend {
        default upstream_a;
${routeB ? '        b upstream_b;\n' : ''}    }
    server {
        listen 127.0.0.1:${port};
        location / { proxy_pass http://$backend; }
    }
}
`;
}

function get(port: number, route: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/', headers: { 'X-Route': route } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

/** nginx reloads asynchronously: old workers finish, new ones start; one may drop a connection as it goes. */
async function eventually(port: number, route: string, expected: string): Promise<string> {
  const deadline = Date.now() + 5000;
  let answer = '';
  while (Date.now() < deadline) {
    answer = await get(port, route).catch((error: Error) => `request failed: ${error.message}`);
    if (answer === expected) return answer;
    await new Promise((r) => setTimeout(r, 50));
  }
  return answer;
}

async function post<T>(
  path: string,
  body: unknown,
  token = stack.token({ sub: 'olga', groups: ['ops'] }),
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${stack.gatewayUrl}/api/${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

beforeAll(async () => {
  upstreamA = await listen('A');
  upstreamB = await listen('B');
  stack = await startStack({
    aliases: ['local-again'],
    config: {
      policy: [{ groups: ['ops'], clusters: ['*'], namespaces: ['ingress-nginx'], allow: ['nginx-reload'] }],
      actions: {
        'nginx-reload': {
          description: 'Check the nginx configuration, then reload nginx',
          check: ['nginx', '-t'],
          command: ['nginx', '-s', 'reload'],
          namespace: 'ingress-nginx',
          selector: 'app.kubernetes.io/component=controller',
          container: 'controller',
        },
      },
    },
  });
  // The same local cluster under a second name: a fan-out over two clusters.
  controllers = ['ingress-nginx-controller-0', 'ingress-nginx-controller-1'].map((name) => stack.cluster.pod('ingress-nginx', name)!);
  for (const pod of controllers) writeFileSync(pod.nginx!.confPath, routingConf(pod, false));
  const first = await post<ActionRunResult>('clusters/local/actions/nginx-reload', {});
  expect(first.body.success).toBe(true);
  for (const pod of controllers) expect(await eventually(pod.nginx!.port, 'a', 'A')).toBe('A');
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  upstreamA?.close();
  upstreamB?.close();
});

describe('nginx-reload', () => {
  it('applies edited rules only after the reload, on every controller pod', async () => {
    for (const pod of controllers) writeFileSync(pod.nginx!.confPath, routingConf(pod, true));
    // Edited but not reloaded: the old rules still serve.
    for (const pod of controllers) expect(await get(pod.nginx!.port, 'b')).toBe('A');

    const { status, body } = await post<ActionRunResult>('clusters/local/actions/nginx-reload', {});
    expect(status).toBe(200);
    expect(body.success).toBe(true);
    expect(body.results.map((r) => [r.pod, r.container, r.exitCode])).toEqual([
      ['ingress-nginx-controller-0', 'controller', 0],
      ['ingress-nginx-controller-1', 'controller', 0],
    ]);
    for (const pod of controllers) {
      expect(await eventually(pod.nginx!.port, 'b', 'B')).toBe('B');
      expect(await get(pod.nginx!.port, 'a')).toBe('A');
    }
  });

  it('touches nothing when the check fails, and reports nginx’s own error', async () => {
    const good = controllers.map((pod) => readFileSync(pod.nginx!.confPath, 'utf8'));
    for (const pod of controllers)
      writeFileSync(pod.nginx!.confPath, routingConf(pod, false).replace('map $http_x_route', 'map_broken $http_x_route'));
    const { status, body } = await post<ActionRunResult>('clusters/local/actions/nginx-reload', {});
    expect(status).toBe(200);
    expect(body.success).toBe(false);
    for (const result of body.results) {
      expect(result.step).toBe('check');
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toContain('unknown directive "map_broken"');
    }
    // The old rules (b → B) still serve.
    for (const pod of controllers) expect(await get(pod.nginx!.port, 'b')).toBe('B');
    controllers.forEach((pod, i) => writeFileSync(pod.nginx!.confPath, good[i]!));
  });

  it('fans out over two clusters and reports both, and an unknown one apart', async () => {
    const { status, body } = await post<ActionFanOutResult>('actions/nginx-reload', {
      targets: [{ cluster: 'local' }, { cluster: 'local-again' }, { cluster: 'nowhere' }],
    });
    expect(status).toBe(200);
    expect(body.success).toBe(false);
    expect(body.clusters.map((c) => [c.cluster, c.success, c.results.length])).toEqual([
      ['local', true, 2],
      ['local-again', true, 2],
      ['nowhere', false, 0],
    ]);
    expect(body.clusters[2]!.error?.code).toMatch(/forbidden|not_found/);
  });

  it('refuses a user the policy does not grant the action, and a pod outside the selector is untouched', async () => {
    const refused = await post<{ error: { code: string } }>(
      'clusters/local/actions/nginx-reload',
      {},
      stack.token({ sub: 'dev', groups: ['dev'] }),
    );
    expect(refused.status).toBe(403);
    const none = await post<{ error: { code: string; message: string } }>('clusters/local/actions/nginx-reload', { selector: 'app=none' });
    expect(none.status).toBe(404);
    expect(none.body.error.message).toContain('no Running pod matching app=none');
    const unknownField = await post<{ error: { code: string } }>('clusters/local/actions/nginx-reload', { command: ['rm', '-rf', '/'] });
    expect(unknownField.status).toBe(400);
  });

  it('writes every run to the audit log', () => {
    const runs = stack.logs.filter((line) => line.includes('"action.run"')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(runs.length).toBeGreaterThanOrEqual(4);
    expect(runs[0]).toMatchObject({ user: 'olga', action: 'nginx-reload', cluster: 'local', namespace: 'ingress-nginx', success: true });
    const pods = stack.logs.filter((line) => line.includes('"action.pod"')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(pods.some((p) => p.step === 'check' && p.exitCode !== 0)).toBe(true);
  });
});
