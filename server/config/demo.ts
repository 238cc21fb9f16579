// The demo document: the configuration `npm start` runs with when no file is
// given, on the embedded local cluster.
import { randomBytes } from 'node:crypto';

/** Where a portal page may embed the demo terminal from: any local port (docs/embedding.md serves its example on one). */
export const DEMO_EMBEDDING_ORIGINS = ['http://localhost:*'] as const;

/**
 * Demo mode: loopback only, on the embedded local cluster (registered by
 * main.ts). Group `dev` (the printed link's user) may do everything; group
 * `ops` has the operator's rule of docs/reload.md, nginx-reload in
 * ingress-nginx and nothing else.
 */
export function demoDocument(): Record<string, unknown> {
  return {
    listen: { host: '127.0.0.1', port: 8080 },
    // A fresh secret each start, so a demo token never outlives its gateway.
    auth: { jwt: { secret: randomBytes(32).toString('base64url'), algorithms: ['HS256'] }, allowedOrigins: [...DEMO_EMBEDDING_ORIGINS] },
    policy: [
      { groups: ['dev'], clusters: ['*'], namespaces: ['*'], allow: ['*'] },
      { groups: ['ops'], clusters: ['*'], namespaces: ['ingress-nginx'], allow: ['nginx-reload'] },
    ],
    // Images the local cluster runs (as its local sh and bash), so the demo's debug containers start.
    debug: { images: ['busybox:1.36', 'nicolaka/netshoot:v0.13'], timeoutSeconds: 30 },
    actions: {
      'nginx-reload': {
        description: 'Check the nginx configuration, then reload nginx',
        check: ['nginx', '-t'],
        command: ['nginx', '-s', 'reload'],
        namespace: 'ingress-nginx',
        selector: 'app.kubernetes.io/component=controller',
        container: 'controller',
        timeoutSeconds: 30,
      },
    },
  };
}
