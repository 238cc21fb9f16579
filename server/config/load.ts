// Loading the configuration, the only reader of the environment's settings and
// of the YAML file: the file named by GATEWAY_CONFIG (or the demo document),
// then the environment overrides, then validation with every problem's key
// path, and the result frozen.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { demoDocument } from './demo.js';
import { configSchema, type GatewayConfig } from './schema.js';

/** A configuration that cannot be used; its message lists every problem with its key path. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function keyPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** Validates a parsed configuration document. Throws ConfigError naming each bad key. */
export function parseConfig(document: unknown, source = 'configuration', demo = false): GatewayConfig {
  const result = configSchema.safeParse(document ?? {}, {
    error: (issue) => (issue.input === undefined && issue.code === 'invalid_type' ? 'is missing' : undefined),
  });
  if (!result.success) {
    throw new ConfigError(
      source,
      result.error.issues.map((issue) => `${keyPath(issue.path)}: ${issue.message}`),
    );
  }
  return deepFreeze({ ...result.data, demo });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

export interface LoadConfigOptions {
  /** Reads a file; injectable for tests. */
  readFile?: (path: string) => string;
}

/**
 * Loads the configuration: the YAML file named by GATEWAY_CONFIG, or demo mode
 * when there is none, then the environment overrides PORT, HOST and
 * GATEWAY_JWT_SECRET.
 */
export function loadConfig(env: NodeJS.ProcessEnv, options: LoadConfigOptions = {}): GatewayConfig {
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const file = env.GATEWAY_CONFIG;
  let document: Record<string, unknown>;
  let source: string;
  if (file !== undefined && file !== '') {
    source = file;
    let text: string;
    try {
      text = readFile(file);
    } catch (error) {
      throw new ConfigError(source, [`cannot read the file: ${(error as Error).message}`]);
    }
    try {
      document = (parseYaml(text) as Record<string, unknown> | null) ?? {};
    } catch (error) {
      throw new ConfigError(source, [`not valid YAML: ${(error as Error).message}`]);
    }
    if (typeof document !== 'object' || Array.isArray(document)) {
      throw new ConfigError(source, ['(top level): must be a mapping of keys']);
    }
  } else {
    source = 'demo mode';
    document = demoDocument();
  }
  document = applyEnvironment(document, env, source);
  return parseConfig(document, source, file === undefined || file === '');
}

function applyEnvironment(document: Record<string, unknown>, env: NodeJS.ProcessEnv, source: string): Record<string, unknown> {
  const listen = { ...((document.listen as Record<string, unknown> | undefined) ?? {}) };
  if (env.PORT !== undefined && env.PORT !== '') {
    const port = Number(env.PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ConfigError(source, [`PORT: must be a port number from 0 to 65535, not ${JSON.stringify(env.PORT)}`]);
    }
    listen.port = port;
  }
  if (env.HOST !== undefined && env.HOST !== '') listen.host = env.HOST;
  const out: Record<string, unknown> = { ...document, listen };
  if (env.GATEWAY_JWT_SECRET !== undefined && env.GATEWAY_JWT_SECRET !== '') {
    const auth = { ...((document.auth as Record<string, unknown> | undefined) ?? {}) };
    const jwt = { ...((auth.jwt as Record<string, unknown> | undefined) ?? {}) };
    jwt.secret = env.GATEWAY_JWT_SECRET;
    delete jwt.publicKeyFile;
    delete jwt.jwksUri;
    const algorithms = Array.isArray(jwt.algorithms) ? (jwt.algorithms as string[]).filter((a) => a.startsWith('HS')) : [];
    jwt.algorithms = algorithms.length > 0 ? algorithms : ['HS256'];
    auth.jwt = jwt;
    out.auth = auth;
  }
  return out;
}
