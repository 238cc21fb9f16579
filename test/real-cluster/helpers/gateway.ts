// The gateway in front of the real control plane, over its own TLS (kubectl
// sends a token only to https), with clusters that differ only in credential:
//   real             the gateway's static token, bound to the gateway Role
//   real-cert        the gateway's client certificate, bound to the same Role
//   real-create-only a token with pods/exec create but not get
//   real-get-only    a token with pods/exec get but not create
//   real-impersonate a token that may only impersonate; the person's RBAC decides
import { randomBytes } from 'node:crypto';
import { request } from 'node:https';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../../server/config/index.js';
import { createGateway, type Gateway } from '../../../server/gateway.js';
import { createServerCertificate } from '@webterm/local-cluster';
import { createLogger } from '../../../server/logging.js';
import { signToken, projectRoot, type TokenClaims } from '../../helpers/stack.js';
import { registerSecret, scanLogLine } from '../../helpers/secret-scan.js';
import type { ControlPlane } from './control-plane.js';

export interface RealGateway {
  /** https://127.0.0.1:PORT */
  url: string;
  wsUrl: string;
  /** The CA of the gateway's own TLS certificate. */
  caPem: string;
  caFile: string;
  gateway: Gateway;
  logs: string[];
  token(claims?: TokenClaims): string;
  /** A JSON request to the gateway over its TLS. */
  request<T = any>(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

/** `extra` is merged over the top level of gateway.yaml; `moreClusters` are added to the four above. */
export async function startRealGateway(
  plane: ControlPlane,
  extra: Record<string, unknown> = {},
  moreClusters: Array<Record<string, unknown>> = [],
): Promise<RealGateway> {
  const secret = randomBytes(24).toString('base64url');
  const certificate = createServerCertificate('real-cluster-gateway-ca');
  writeFileSync(join(plane.dir, 'gateway-tls.crt'), certificate.certPem + certificate.caPem);
  writeFileSync(join(plane.dir, 'gateway-tls.key'), certificate.keyPem);
  writeFileSync(join(plane.dir, 'gateway-ca.crt'), certificate.caPem);
  const base = { server: plane.url, caData: plane.caPem };
  const config = parseConfig(
    {
      listen: {
        host: '127.0.0.1',
        port: 0,
        tls: { certFile: join(plane.dir, 'gateway-tls.crt'), keyFile: join(plane.dir, 'gateway-tls.key') },
      },
      auth: { jwt: { secret, algorithms: ['HS256'] } },
      policy: [{ groups: ['dev'], clusters: ['*'], namespaces: ['*'], allow: ['*'] }],
      clusters: [
        { name: 'real', ...base, token: plane.tokens.gateway },
        { name: 'real-cert', ...base, clientCertFile: plane.pki.gatewayClientCert, clientKeyFile: plane.pki.gatewayClientKey },
        { name: 'real-create-only', ...base, token: plane.tokens.createOnly },
        { name: 'real-get-only', ...base, token: plane.tokens.getOnly },
        { name: 'real-impersonate', ...base, token: plane.tokens.impersonator, impersonate: true },
        ...moreClusters,
      ],
      ...extra,
    },
    'real-cluster test gateway',
  );
  registerSecret(secret);
  for (const token of Object.values(plane.tokens)) registerSecret(token);
  const logs: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void logs.push(line) });
  const gateway = await createGateway(config, {
    logger,
    webRoot: join(projectRoot, 'dist', 'web'),
    auditDestination: { write: (line: string) => void logs.push(line) },
  });
  const url = await gateway.listen();
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    caPem: certificate.caPem,
    caFile: join(plane.dir, 'gateway-ca.crt'),
    gateway,
    logs,
    token: (claims) => signToken(secret, claims),
    request: (method, path, body, token = signToken(secret)) =>
      new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const req = request(
          `${url}${path}`,
          {
            method,
            ca: certificate.caPem,
            headers: { Authorization: `Bearer ${token}`, ...(payload === undefined ? {} : { 'Content-Type': 'application/json' }) },
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => {
              try {
                resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
              } catch {
                resolve({ status: res.statusCode ?? 0, body: text as never });
              }
            });
          },
        );
        req.on('error', reject);
        req.end(payload);
      }),
    async stop() {
      await gateway.close();
      for (const line of logs) scanLogLine(line);
    },
  };
}
