// Demo mode: the embedded local cluster registered as `local`, a certificate
// so kubectl can reach the gateway over https on the same port, and the files
// a newcomer needs next to it (the CA, a kubeconfig, the secret that
// `npm run token` signs with) in a folder of this user's. The local cluster is
// a package of its own that a production install leaves out, so it is loaded
// here, when demo mode starts, and nowhere else in the gateway.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { LocalCluster } from '@webterm/local-cluster';
import jwt from 'jsonwebtoken';
import type { Logger } from 'pino';
import { stringify } from 'yaml';
import type { GatewayConfig } from './config/index.js';

/** The demo user of the printed link: group `dev`, which the demo policy lets do everything. */
export const DEMO_USER = { sub: 'dev', groups: ['dev'] } as const;

export interface DemoFiles {
  directory: string;
  caFile: string;
  kubeconfigFile: string;
  secretFile: string;
}

export interface Demo {
  cluster: LocalCluster;
  clusters: GatewayConfig['clusters'];
  /** The gateway's TLS: http and https on one port, under a CA made for this start. */
  tls: { certPem: string; keyPem: string; caPem: string; plainHttpToo: true };
  /** A token for `sub` in `groups`, valid for `hours`. */
  token(claims?: { sub: string; groups: readonly string[] }, hours?: number): string;
  /** Writes the CA, a kubeconfig for the gateway at `url` and the signing secret; returns where. */
  writeFiles(url: string): DemoFiles;
  /** Stops the local cluster and removes the demo's files. */
  stop(): Promise<void>;
}

/**
 * Where a demo gateway on `port` keeps its files: per user and per port, so
 * `npm run token` finds the secret of the gateway it is asked about.
 */
export function demoDirectory(port: number, base = tmpdir()): string {
  return join(base, `webterm-demo-${userInfo().uid}`, String(port));
}

/** The local cluster package, or an error that says how to install it. */
async function loadLocalCluster(): Promise<typeof import('@webterm/local-cluster')> {
  try {
    return await import('@webterm/local-cluster');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND';
    if (!missing) throw error;
    throw new Error(`demo mode needs the local cluster package: run npm ci without --omit=dev (${(error as Error).message})`, {
      cause: error,
    });
  }
}

export async function startDemo(config: GatewayConfig, logger: Logger): Promise<Demo> {
  const { startLocalCluster, createServerCertificate } = await loadLocalCluster();
  const cluster = await startLocalCluster({ logger: logger.child({ component: 'local-cluster' }) });
  const secret = config.auth.jwt.secret;
  if (secret === undefined) throw new Error('demo mode needs an HS secret');
  const certificate = createServerCertificate('webterm demo gateway');
  let written: DemoFiles | undefined;
  const token: Demo['token'] = (claims = DEMO_USER, hours = 12) =>
    jwt.sign({ sub: claims.sub, groups: [...claims.groups] }, secret, { algorithm: 'HS256', expiresIn: hours * 3600 });

  return {
    cluster,
    clusters: [
      { name: 'local', server: cluster.url, token: cluster.token, caData: cluster.caPem, insecureSkipTLSVerify: false, impersonate: false },
    ],
    tls: { certPem: certificate.certPem, keyPem: certificate.keyPem, caPem: certificate.caPem, plainHttpToo: true },
    token,
    writeFiles(url) {
      const port = Number(new URL(url).port);
      const directory = demoDirectory(port);
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      const files: DemoFiles = {
        directory,
        caFile: join(directory, 'ca.crt'),
        kubeconfigFile: join(directory, 'kubeconfig'),
        secretFile: join(directory, 'jwt-secret'),
      };
      const https = url.replace(/^http:/, 'https:');
      const kubeconfig = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'webterm-local', cluster: { server: `${https}/k8s/clusters/local`, 'certificate-authority': files.caFile } }],
        users: [{ name: 'webterm-dev', user: { token: token() } }],
        contexts: [{ name: 'webterm-local', context: { cluster: 'webterm-local', user: 'webterm-dev', namespace: 'default' } }],
        'current-context': 'webterm-local',
      };
      writeFileSync(files.caFile, certificate.caPem, { mode: 0o644 });
      writeFileSync(files.kubeconfigFile, stringify(kubeconfig), { mode: 0o600 });
      writeFileSync(files.secretFile, secret, { mode: 0o600 });
      written = files;
      // An exit that skips stop() (an uncaught error) still takes the secret with it; only SIGKILL leaves it,
      // for a gateway that no longer runs, and the next start on the port replaces it.
      process.once('exit', () => rmSync(directory, { recursive: true, force: true }));
      return files;
    },
    async stop() {
      if (written !== undefined) rmSync(written.directory, { recursive: true, force: true });
      await cluster.stop();
    },
  };
}
