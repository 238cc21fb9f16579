// The motivating case through a real API server: the gateway's nginx-reload
// action finds its pods with a label selector that the API server evaluates,
// runs `nginx -t` then `nginx -s reload` in each over the real exec path, and
// each pod's real nginx serves the new rules afterwards.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionRunResult } from '../../shared/api.js';
import { skipReason, startControlPlane, type ControlPlane } from './helpers/control-plane.js';
import { startRealGateway, type RealGateway } from './helpers/gateway.js';
import { NGINX, eventually, get, nginxConf, startPodNginx, stopPodNginx, type PodNginx } from './helpers/pod-nginx.js';

const skip = skipReason();
if (skip === undefined && !existsSync(NGINX))
  throw new Error(`nginx is not installed (${NGINX}): .ci/run installs Debian nginx-light for these tests`);

const serve = (nginx: PodNginx, text: string, directive = 'return') => nginxConf(nginx, `location / { ${directive} 200 "${text}\\n"; }`);

describe.skipIf(skip !== undefined)('nginx-reload through a real API server', () => {
  let plane: ControlPlane;
  let gateway: RealGateway;
  const ns = 'ingress-nginx';
  const pods: Record<string, PodNginx> = {};
  const controllers = ['ingress-nginx-controller-0', 'ingress-nginx-controller-1'];

  beforeAll(async () => {
    plane = await startControlPlane({ namespaces: [ns] });
    for (const name of [...controllers, 'bystander']) {
      pods[name] = await startPodNginx(plane.dir, name);
      await plane.createPod(ns, name, {
        labels: { 'app.kubernetes.io/component': name === 'bystander' ? 'other' : 'controller' },
        containers: [{ name: 'controller', env: pods[name]!.env }],
      });
    }
    gateway = await startRealGateway(plane, {
      policy: [{ groups: ['ops'], clusters: ['real'], namespaces: [ns], allow: ['nginx-reload'] }],
      actions: {
        'nginx-reload': {
          check: ['nginx', '-t'],
          command: ['nginx', '-s', 'reload'],
          namespace: ns,
          selector: 'app.kubernetes.io/component=controller',
          container: 'controller',
        },
      },
    });
  }, 30 * 60_000);

  afterAll(async () => {
    await gateway?.stop();
    Object.values(pods).forEach(stopPodNginx);
    await plane?.stop();
  });

  const run = () =>
    gateway.request<ActionRunResult>(
      'POST',
      '/api/clusters/real/actions/nginx-reload',
      {},
      gateway.token({ sub: 'olga', groups: ['ops'] }),
    );

  it('reloads exactly the pods the selector names, each with its new rules', async () => {
    for (const pod of Object.values(pods)) writeFileSync(pod.confPath, serve(pod, `${pod.name} v2`));
    for (const name of controllers) expect(await get(pods[name]!.port)).toBe(`${name}\n`);

    const { status, body } = await run();
    expect(status).toBe(200);
    expect(body.success, JSON.stringify(body)).toBe(true);
    expect(body.results.map((r) => [r.pod, r.container, r.exitCode]).sort()).toEqual([
      ['ingress-nginx-controller-0', 'controller', 0],
      ['ingress-nginx-controller-1', 'controller', 0],
    ]);
    for (const name of controllers) expect(await eventually(pods[name]!.port, `${name} v2\n`)).toBe(`${name} v2\n`);
    // Not selected: edited, never reloaded.
    expect(await get(pods.bystander!.port)).toBe('bystander\n');
  });

  it('touches nothing when nginx -t fails, and reports nginx’s own error and exit code', async () => {
    const good = controllers.map((name) => readFileSync(pods[name]!.confPath, 'utf8'));
    for (const name of controllers) writeFileSync(pods[name]!.confPath, serve(pods[name]!, 'broken', 'return_broken'));
    const { status, body } = await run();
    expect(status).toBe(200);
    expect(body.success).toBe(false);
    expect(body.results).toHaveLength(2);
    for (const result of body.results) {
      expect(result.step).toBe('check');
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain('unknown directive "return_broken"');
    }
    for (const name of controllers) expect(await get(pods[name]!.port)).toBe(`${name} v2\n`);
    controllers.forEach((name, i) => writeFileSync(pods[name]!.confPath, good[i]!));
  });

  it('says so when the API server finds no pod for a selector', async () => {
    const { status, body } = await gateway.request<{ error: { message: string } }>(
      'POST',
      '/api/clusters/real/actions/nginx-reload',
      { selector: 'app=none' },
      gateway.token({ sub: 'olga', groups: ['ops'] }),
    );
    expect(status).toBe(404);
    expect(body.error.message).toContain('app=none');
  });
});
