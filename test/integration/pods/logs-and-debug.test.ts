// Pod logs and debug containers over REST, against a fake API server that
// answers as kube-apiserver does: a streamed log held back by a slow reader,
// a PATCH that meets a concurrent change, an old server, RBAC, a container
// that never starts.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../helpers/stack.js';
import { poll } from '../../helpers/terminal-client.js';
import { startFakeApiServer, type FakeApiServer } from './fake-api-server.js';

let fake: FakeApiServer;
let stack: Stack;

beforeAll(async () => {
  fake = await startFakeApiServer();
  stack = await startStack({
    clusters: [{ name: 'fake', server: fake.url, token: 'fake-cluster-token', caData: fake.caPem }],
    config: {
      debug: { images: ['busybox:1.36', 'alpine:3.20'], timeoutSeconds: 1 },
      policy: [
        { groups: ['dev'], clusters: ['*'], namespaces: ['*'], allow: ['exec', 'logs', 'debug'] },
        { groups: ['viewer'], clusters: ['*'], namespaces: ['*'], allow: ['exec'] },
      ],
    },
  });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await fake?.close();
});

const podUrl = (pod: string, rest: string) => `${stack.gatewayUrl}/api/clusters/fake/namespaces/default/pods/${pod}/${rest}`;

async function call(method: string, url: string, body?: unknown, token = stack.token()) {
  const res = await fetch(url, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
}

describe('GET …/pods/{pod}/log', () => {
  it('answers text/plain with the log, passing the options on', async () => {
    const res = await fetch(podUrl('app-0', 'log?container=app&tailLines=10&timestamps=true'), {
      headers: { Authorization: `Bearer ${stack.token()}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toBe('first line\nlast line\n');
    expect(new URLSearchParams(fake.log.query).toString()).toBe('container=app&tailLines=10&timestamps=true');
  });

  it('follows as the API server streams, held back by a slow reader, and ends the upstream when the caller goes', async () => {
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      request(podUrl('app-0', 'log?follow=true'), { headers: { Authorization: `Bearer ${stack.token()}` } }, resolve)
        .on('error', reject)
        .end();
    });
    expect(res.statusCode).toBe(200);
    // The first line arrives while the API server still streams.
    const first = await new Promise<Buffer>((resolve) => res.once('data', resolve));
    expect(first.toString()).toContain('first line');
    res.pause();
    // Nobody reads: the fake can write only what the socket buffers hold, then waits.
    await poll(() => fake.log.written > 1024 * 1024, 10_000, 'the fake writing');
    let before = -1;
    await poll(
      () => {
        const settled = fake.log.written === before;
        before = fake.log.written;
        return settled;
      },
      10_000,
      'the upstream to be held back',
    );
    expect(fake.log.written).toBeLessThan(64 * 1024 * 1024);
    expect(fake.log.open).toBe(true);
    res.destroy();
    await poll(() => !fake.log.open, 10_000, 'the upstream request to end');
  });

  it('says in the API server words why a container that never ran has no log (400)', async () => {
    const answer = await call('GET', podUrl('never', 'log'));
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toBe('container "app" in pod "never" is waiting to start: ContainerCreating');
  });

  it('refuses bad options with 400 and a caller without the logs verb with 403', async () => {
    expect((await call('GET', podUrl('app-0', 'log?tailLines=-1'))).status).toBe(400);
    expect((await call('GET', podUrl('app-0', 'log?follow=yes'))).status).toBe(400);
    const refused = await call('GET', podUrl('app-0', 'log'), undefined, stack.token({ groups: ['viewer'] }));
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('may not read pod logs');
  });
});

describe('POST …/pods/{pod}/debug', () => {
  it('adds a debugger from the default image on the first container, with the resourceVersion, and answers once it runs', async () => {
    const answer = await call('POST', podUrl('app-0', 'debug'), {});
    expect(answer.status).toBe(201);
    expect(answer.body.container).toMatch(/^debugger-[a-z0-9]{5}$/);
    const patch = fake.patches.find((p) => p.pod === 'app-0')!;
    expect(patch.contentType).toBe('application/strategic-merge-patch+json');
    expect(patch.body.metadata.resourceVersion).toBe('100');
    expect(patch.body.spec.ephemeralContainers).toEqual([
      expect.objectContaining({
        name: answer.body.container,
        image: 'busybox:1.36',
        targetContainerName: 'app',
        stdin: true,
        tty: true,
      }),
    ]);
    await poll(() => stack.logs.some((l) => l.includes('"debug.container"') && l.includes(answer.body.container)), 5000, 'the audit line');
    const audit = JSON.parse(stack.logs.find((l) => l.includes('"debug.container"') && l.includes(answer.body.container))!);
    expect(audit).toMatchObject({
      user: 'alice',
      cluster: 'fake',
      namespace: 'default',
      pod: 'app-0',
      target: 'app',
      image: 'busybox:1.36',
    });
  });

  it('lists the debug container in the pod list, with readiness and restarts', async () => {
    const answer = await call('GET', `${stack.gatewayUrl}/api/clusters/fake/namespaces/default/pods`);
    expect(answer.status).toBe(200);
    const pod = answer.body.items.find((p: { name: string }) => p.name === 'app-0');
    expect(pod).toMatchObject({ containers: ['app', 'sidecar'], ready: true, restarts: 3 });
    expect(pod.ephemeralContainers).toEqual([{ name: expect.stringMatching(/^debugger-/), running: true }]);
  });

  it('reads the pod again and retries when a concurrent change made the PATCH conflict', async () => {
    const answer = await call('POST', podUrl('conflicted', 'debug'), { target: 'sidecar', image: 'alpine:3.20' });
    expect(answer.status).toBe(201);
    const patches = fake.patches.filter((p) => p.pod === 'conflicted');
    expect(patches.map((p) => p.body.metadata.resourceVersion)).toEqual(['100', '101']);
    expect(patches[1]!.body.spec.ephemeralContainers[0]).toMatchObject({ targetContainerName: 'sidecar', image: 'alpine:3.20' });
  });

  it('refuses an image not on the list with 400 naming the allowed ones', async () => {
    const answer = await call('POST', podUrl('app-0', 'debug'), { image: 'evil/miner:latest' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toBe('image "evil/miner:latest" is not allowed; allowed images: busybox:1.36, alpine:3.20');
  });

  it('refuses unknown fields, an unknown target container, and a caller without the debug verb', async () => {
    expect((await call('POST', podUrl('app-0', 'debug'), { command: ['sh'] })).status).toBe(400);
    const target = await call('POST', podUrl('app-0', 'debug'), { target: 'nope' });
    expect(target.status).toBe(400);
    expect(target.body.error.message).toContain('choose one of: app, sidecar');
    const refused = await call('POST', podUrl('app-0', 'debug'), {}, stack.token({ groups: ['viewer'] }));
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('may not start debug containers');
  });

  it('answers 404 for a pod that does not exist', async () => {
    const answer = await call('POST', podUrl('missing', 'debug'), {});
    expect(answer.status).toBe(404);
    expect(answer.body.error.message).toBe('pods "missing" not found');
  });

  it('says when the API server does not serve ephemeral containers, or RBAC refuses them', async () => {
    const old = await call('POST', podUrl('old', 'debug'), {});
    expect(old.status).toBe(501);
    expect(old.body.error.message).toContain('does not serve ephemeral containers');
    expect(old.body.error.message).toContain('the server could not find the requested resource');
    const rbac = await call('POST', podUrl('rbac', 'debug'), {});
    expect(rbac.status).toBe(403);
    expect(rbac.body.error.message).toContain('cannot patch resource "pods/ephemeralcontainers"');
  });

  it('answers 504 with the last state of a container that does not start in time', async () => {
    const answer = await call('POST', podUrl('stuck', 'debug'), {});
    expect(answer.status).toBe(504);
    expect(answer.body.error.message).toMatch(
      /^debug container "debugger-[a-z0-9]{5}" did not start within 1 s: waiting \(ErrImagePull: pull access denied\)$/,
    );
  });
});
