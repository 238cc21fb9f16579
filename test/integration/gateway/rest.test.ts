// The REST API: what a caller may see, filtered by the policy, and JSON errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../helpers/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    config: {
      policy: [
        { groups: ['dev'], clusters: ['*'], namespaces: ['*'], allow: ['exec'] },
        { users: ['olga'], clusters: ['local'], namespaces: ['ingress-nginx'], allow: ['nginx-reload'] },
      ],
    },
  });
});

afterAll(async () => {
  await stack?.stop();
});

async function get(path: string, token?: string) {
  const response = await fetch(`${stack.gatewayUrl}${path}`, { headers: token === undefined ? {} : { Authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('GET /api/clusters', () => {
  it('lists the clusters the caller may use', async () => {
    expect(await get('/api/clusters', stack.token())).toEqual({ status: 200, body: { items: [{ name: 'local' }] } });
  });

  it('is an empty list for a user no rule names', async () => {
    expect(await get('/api/clusters', stack.token({ sub: 'mallory', groups: [] }))).toEqual({ status: 200, body: { items: [] } });
  });

  it('answers 401 with a JSON error without a token', async () => {
    const { status, body } = await get('/api/clusters');
    expect(status).toBe(401);
    expect(body).toMatchObject({ error: { code: 'unauthenticated', message: expect.any(String) } });
  });

  it('does not take a token from the query string', async () => {
    expect((await get(`/api/clusters?token=${stack.token()}`)).status).toBe(401);
  });
});

describe('GET /api/clusters/{cluster}/namespaces/{ns}/pods', () => {
  it('lists pods with phase, containers, ephemeral containers, readiness and restarts', async () => {
    const { status, body } = await get('/api/clusters/local/namespaces/default/pods', stack.token());
    expect(status).toBe(200);
    expect(body.items).toContainEqual({
      name: 'shell-0',
      phase: 'Running',
      containers: ['shell'],
      ephemeralContainers: [],
      ready: true,
      restarts: 0,
    });
  });

  it('refuses a namespace the caller has no rule for with 403', async () => {
    const { status, body } = await get('/api/clusters/local/namespaces/default/pods', stack.token({ sub: 'olga', groups: [] }));
    expect(status).toBe(403);
    expect(body).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('lets an action-only user see the namespace of the action', async () => {
    const { status } = await get('/api/clusters/local/namespaces/ingress-nginx/pods', stack.token({ sub: 'olga', groups: [] }));
    expect(status).toBe(200);
  });

  it('answers 404 for an unknown cluster the caller could use', async () => {
    expect((await get('/api/clusters/elsewhere/namespaces/default/pods', stack.token())).status).toBe(404);
  });

  it('answers 400 for an invalid namespace name', async () => {
    const { status, body } = await get('/api/clusters/local/namespaces/Bad%2F..%2Fname/pods', stack.token());
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { code: 'invalid_name' } });
  });
});

describe('namespaces, health and unknown paths', () => {
  it('lists namespaces the caller may see, with what they may do in each', async () => {
    const { body } = await get('/api/clusters/local/namespaces', stack.token({ sub: 'olga', groups: [] }));
    // No action is declared in this configuration: a rule naming one grants nothing to run.
    expect(body).toEqual({ items: [{ name: 'ingress-nginx', exec: false, actions: [], logs: false, debug: false }] });
    const dev = await get('/api/clusters/local/namespaces', stack.token());
    expect(dev.body).toEqual({
      items: [
        { name: 'default', exec: true, actions: [], logs: false, debug: false },
        { name: 'ingress-nginx', exec: true, actions: [], logs: false, debug: false },
      ],
    });
  });

  it('answers /healthz and /readyz', async () => {
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(200);
  });

  it('answers an unknown API path with a 404 JSON error', async () => {
    expect((await get('/api/nope', stack.token())).status).toBe(404);
  });
});
