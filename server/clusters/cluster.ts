// A cluster the gateway can reach: its API server and how to authenticate to
// it. Credentials stay inside `connection()`; nothing else sees them.
import { readFile, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import type { InlineClusterConfig } from '../config/index.js';
import { GatewayError } from '../errors.js';

/** What a TLS connection to the API server needs; read fresh for each connection. */
export interface ClusterConnection {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized: boolean;
  /** SNI and certificate name when it differs from the server's host (tls-server-name). */
  servername?: string;
  /** Authorization and any other header the credential needs. */
  headers: Record<string, string>;
}

export interface Cluster {
  readonly name: string;
  readonly server: URL;
  /** Send Impersonate-User/Group of the caller, so the cluster's RBAC and audit see them. */
  readonly impersonate: boolean;
  connection(): Promise<ClusterConnection>;
}

/** A cluster entry that cannot be used: a file missing, a kubeconfig unreadable. Stops start-up. */
export class ClusterSetupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClusterSetupError';
  }
}

function readAtStart(clusterName: string, key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
    throw new ClusterSetupError(`cluster "${clusterName}": ${key} ${path} ${reason}`, { cause: error });
  }
}

/** caData as a kubeconfig writes it (base64 of PEM) or as PEM itself. */
export function decodeCaData(caData: string): string {
  if (caData.includes('-----BEGIN')) return caData;
  const decoded = Buffer.from(caData, 'base64').toString('utf8');
  if (!decoded.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error('caData is neither a PEM certificate nor base64 of one');
  }
  return decoded;
}

/** A token file read again whenever its modification time changes (projected tokens rotate). */
function tokenFileReader(clusterName: string, path: string): () => Promise<string> {
  let cached: { mtimeMs: number; token: string } | undefined;
  return async () => {
    try {
      const info = await stat(path);
      if (cached === undefined || cached.mtimeMs !== info.mtimeMs) {
        const token = (await readFile(path, 'utf8')).trim();
        if (token.length === 0) throw new Error('the token file is empty');
        cached = { mtimeMs: info.mtimeMs, token };
      }
      return cached.token;
    } catch (error) {
      throw new GatewayError('upstream_error', `the credential of cluster "${clusterName}" could not be read`, { cause: error });
    }
  };
}

/** A cluster given inline in gateway.yaml. Files named there must exist at start-up. */
export function inlineCluster(config: InlineClusterConfig): Cluster {
  let ca: string | undefined;
  try {
    ca =
      config.caData !== undefined
        ? decodeCaData(config.caData)
        : config.caFile !== undefined
          ? readAtStart(config.name, 'caFile', config.caFile).toString('utf8')
          : undefined;
  } catch (error) {
    if (error instanceof ClusterSetupError) throw error;
    throw new ClusterSetupError(`cluster "${config.name}": ${(error as Error).message}`, { cause: error });
  }
  // Files are read once here so a typo stops start-up instead of the first session.
  if (config.tokenFile !== undefined) readAtStart(config.name, 'tokenFile', config.tokenFile);
  const readToken = config.tokenFile !== undefined ? tokenFileReader(config.name, config.tokenFile) : undefined;
  const certPair =
    config.clientCertFile !== undefined && config.clientKeyFile !== undefined
      ? {
          cert: readAtStart(config.name, 'clientCertFile', config.clientCertFile),
          key: readAtStart(config.name, 'clientKeyFile', config.clientKeyFile),
        }
      : undefined;
  const server = new URL(config.server);
  return {
    name: config.name,
    server,
    impersonate: config.impersonate,
    async connection() {
      const headers: Record<string, string> = {};
      const token = readToken !== undefined ? await readToken() : config.token;
      if (token !== undefined) headers.Authorization = `Bearer ${token}`;
      return {
        ca,
        cert: certPair?.cert,
        key: certPair?.key,
        rejectUnauthorized: !config.insecureSkipTLSVerify,
        headers,
      };
    },
  };
}
