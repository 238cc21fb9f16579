// The gateway's configuration: the only reader of process.env and of the YAML
// file. Everything is validated at start-up and returned as one frozen object.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { allowedOriginProblem } from './auth/origin.js';

const nonEmpty = z.string().min(1, 'must not be empty');
const glob = nonEmpty;

const jwtAlgorithm = z.enum([
  'HS256', 'HS384', 'HS512',
  'RS256', 'RS384', 'RS512',
  'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512',
  'EdDSA',
]);

const jwtSchema = z
  .object({
    secret: nonEmpty.optional(),
    publicKeyFile: nonEmpty.optional(),
    jwksUri: z.url().optional(),
    algorithms: z.array(jwtAlgorithm).min(1, 'name at least one algorithm'),
    issuer: nonEmpty.optional(),
    audience: z.union([nonEmpty, z.array(nonEmpty).min(1)]).optional(),
    /** Seconds of clock skew allowed for exp and nbf. */
    clockToleranceSeconds: z.number().int().min(0).max(300).default(5),
  })
  .strict()
  .superRefine((jwt, ctx) => {
    const keys = [jwt.secret, jwt.publicKeyFile, jwt.jwksUri].filter((k) => k !== undefined);
    if (keys.length !== 1) {
      ctx.addIssue({ code: 'custom', message: 'set exactly one of secret, publicKeyFile or jwksUri' });
      return;
    }
    // One key kind per configuration, so a token can never pick an algorithm
    // that uses the key another way (RS public key as an HMAC secret).
    const symmetric = jwt.algorithms.filter((a) => a.startsWith('HS'));
    if (jwt.secret !== undefined && symmetric.length !== jwt.algorithms.length) {
      ctx.addIssue({ code: 'custom', path: ['algorithms'], message: 'a secret goes only with HS256, HS384 or HS512' });
    }
    if (jwt.secret === undefined && symmetric.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['algorithms'], message: 'HS* algorithms need a secret, not a public key' });
    }
  });

const tlsFilesSchema = z.object({ certFile: nonEmpty, keyFile: nonEmpty }).strict();

const kubeconfigClusterSchema = z
  .object({
    kubeconfig: nonEmpty,
    /** Only these contexts; all by default. */
    contexts: z.array(nonEmpty).optional(),
    impersonate: z.boolean().default(false),
  })
  .strict();

const inlineClusterSchema = z
  .object({
    name: nonEmpty,
    server: z.url({ protocol: /^https?$/, error: 'must be an https:// URL' }),
    token: nonEmpty.optional(),
    tokenFile: nonEmpty.optional(),
    clientCertFile: nonEmpty.optional(),
    clientKeyFile: nonEmpty.optional(),
    caFile: nonEmpty.optional(),
    /** PEM, or base64 of PEM as in a kubeconfig's certificate-authority-data. */
    caData: nonEmpty.optional(),
    insecureSkipTLSVerify: z.boolean().default(false),
    impersonate: z.boolean().default(false),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.token !== undefined && c.tokenFile !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['tokenFile'], message: 'set token or tokenFile, not both' });
    }
    if ((c.clientCertFile === undefined) !== (c.clientKeyFile === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['clientKeyFile'], message: 'clientCertFile and clientKeyFile go together' });
    }
    if (c.token === undefined && c.tokenFile === undefined && c.clientCertFile === undefined) {
      ctx.addIssue({ code: 'custom', message: 'needs a credential: token, tokenFile, or clientCertFile with clientKeyFile' });
    }
    if (c.caFile !== undefined && c.caData !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['caData'], message: 'set caFile or caData, not both' });
    }
    if (c.server.startsWith('http:')) {
      ctx.addIssue({ code: 'custom', path: ['server'], message: 'must be an https:// URL' });
    }
  });

const clusterSchema = z.union([kubeconfigClusterSchema, inlineClusterSchema], {
  error: 'needs either kubeconfig, or name with server and a credential',
});

const seconds = z.number().int().min(0).max(30 * 24 * 3600);

/** Session limits; 0 turns a limit off. Set globally under `sessions`, and per policy rule. */
const sessionLimitsSchema = z
  .object({
    /** A session without input from the browser for this long ends (a warning comes first). */
    idleTimeoutSeconds: seconds.optional(),
    /** A session ends this long after it started, whatever happens in it. */
    maxDurationSeconds: seconds.optional(),
    /** Sessions one user may hold at once (terminal and kubectl exec, detached ones included). */
    maxSessionsPerUser: z.number().int().min(0).max(100_000).optional(),
  })
  .strict();

const policyRuleSchema = z
  .object({
    users: z.array(glob).optional(),
    groups: z.array(glob).optional(),
    clusters: z.array(glob).min(1),
    namespaces: z.array(glob).min(1),
    allow: z.array(nonEmpty).min(1),
    /** Record the terminal sessions this rule allows (asciicast v2, under recording.directory). */
    record: z.boolean().default(false),
    /** Limits for the sessions this rule allows, over the global `sessions` ones. */
    limits: sessionLimitsSchema.optional(),
  })
  .strict()
  .refine((r) => (r.users?.length ?? 0) + (r.groups?.length ?? 0) > 0, {
    message: 'name users or groups (use ["*"] for everyone)',
  });

const argv = z.array(nonEmpty).min(1, 'needs at least the program');

const actionSchema = z
  .object({
    description: z.string().optional(),
    check: argv.optional(),
    command: argv,
    namespace: nonEmpty.optional(),
    selector: nonEmpty.optional(),
    container: nonEmpty.optional(),
    timeoutSeconds: z.number().positive().max(3600).default(30),
  })
  .strict();

const terminalSchema = z
  .object({
    /** Pings on both websockets, so dead peers and idle-cutting proxies are found. */
    pingIntervalSeconds: z.number().positive().default(30),
    /** Largest client frame accepted; larger ones close the session with 1009. */
    maxPayloadBytes: z.number().int().min(1024).default(1024 * 1024),
    /** Output buffered for the browser above which the upstream is paused. */
    highWaterMarkBytes: z.number().int().min(1024).default(1024 * 1024),
    /** How long dialling the cluster and its upgrade may take. */
    upstreamTimeoutSeconds: z.number().positive().default(15),
    /** How long before the token's expiry the user is warned. */
    expiryWarningSeconds: z.number().int().min(0).default(60),
    /**
     * A browser that reads nothing while output waits (the upstream paused on
     * its behalf) for this long is dropped, so it cannot hold a session forever.
     */
    stalledClientTimeoutSeconds: z.number().positive().default(60),
  })
  .strict();

const sessionsSchema = z
  .object({
    idleTimeoutSeconds: seconds.default(1800),
    /** How long before the idle timeout the user is warned. */
    idleWarningSeconds: seconds.default(60),
    maxDurationSeconds: seconds.default(12 * 3600),
    maxSessionsPerUser: z.number().int().min(0).max(100_000).default(20),
    /**
     * A browser that drops without closing (network cut, laptop lid) may come
     * back within this long and find the same process; 0 turns resume off.
     */
    resumeGraceSeconds: seconds.default(60),
    /** Latest output kept per session for a resuming browser. */
    replayBufferBytes: z.number().int().min(0).max(64 * 1024 * 1024).default(256 * 1024),
  })
  .strict();

const recordingSchema = z
  .object({
    /** One asciicast v2 file per recorded session, named by session id. */
    directory: nonEmpty,
    /** closed: a session whose recording cannot be written is refused (or ended); open: it goes on, and the audit log says so. */
    failure: z.enum(['closed', 'open']).default('closed'),
  })
  .strict();

const configSchema = z
  .object({
    listen: z
      .object({
        host: nonEmpty.default('0.0.0.0'),
        port: z.number().int().min(0).max(65535).default(8080),
        tls: tlsFilesSchema.optional(),
      })
      .strict()
      .default({ host: '0.0.0.0', port: 8080 }),
    auth: z
      .object({
        jwt: jwtSchema,
        allowedOrigins: z
          .array(z.string().superRefine((entry, ctx) => {
            const problem = allowedOriginProblem(entry);
            if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
          }))
          .default([]),
      })
      .strict(),
    clusters: z.array(clusterSchema).default([]),
    policy: z.array(policyRuleSchema).default([]),
    actions: z.record(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'action names are lowercase DNS labels'), actionSchema).default({}),
    terminal: terminalSchema.default(terminalSchema.parse({})),
    sessions: sessionsSchema.default(sessionsSchema.parse({})),
    /** Needed when a policy rule sets record: true. */
    recording: recordingSchema.optional(),
    shutdown: z
      .object({
        /** On SIGTERM, how long open sessions may go on before they are ended. */
        graceSeconds: z.number().min(0).max(3600).default(30),
      })
      .strict()
      .default({ graceSeconds: 30 }),
    metrics: z
      .object({
        /** Serve Prometheus metrics at /metrics. */
        enabled: z.boolean().default(true),
        /** When set, /metrics wants `Authorization: Bearer <this>`. */
        bearerToken: nonEmpty.optional(),
      })
      .strict()
      .default({ enabled: true }),
    /** Pods one action run (or fan-out) execs in at once. */
    actionConcurrency: z.number().int().min(1).max(1000).default(32),
    /** Output kept per pod and stream of an action run; longer output is cut and says so. */
    actionOutputLimitBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(64 * 1024),
    audit: z
      .object({
        /** Append audit lines to this file; stdout when absent. */
        file: nonEmpty.optional(),
      })
      .strict()
      .default({}),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      })
      .strict()
      .default({ level: 'info' }),
  })
  .strict()
  .superRefine((config, ctx) => {
    config.policy.forEach((rule, index) => {
      if (rule.record && config.recording === undefined) {
        ctx.addIssue({ code: 'custom', path: ['policy', index, 'record'], message: 'needs recording.directory to be set' });
      }
    });
  });

export type GatewayConfigInput = z.input<typeof configSchema>;
export type GatewayConfig = z.output<typeof configSchema> & {
  /** Demo mode: the embedded local cluster is started and registered as `local`. */
  readonly demo: boolean;
};
export type InlineClusterConfig = z.output<typeof inlineClusterSchema>;
export type KubeconfigClusterConfig = z.output<typeof kubeconfigClusterSchema>;
export type ClusterConfig = z.output<typeof clusterSchema>;
export type PolicyRuleConfig = z.output<typeof policyRuleSchema>;
export type ActionConfig = z.output<typeof actionSchema>;
export type SessionLimitsConfig = z.output<typeof sessionLimitsSchema>;
export type RecordingConfig = z.output<typeof recordingSchema>;

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
    document = demoDocument(env);
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

/** Where a portal page may embed the demo terminal from: any local port (docs/embedding.md serves its example on one). */
export const DEMO_EMBEDDING_ORIGINS = ['http://localhost:*'] as const;

/**
 * Demo mode: loopback only, on the embedded local cluster (registered by
 * main.ts). Group `dev` (the printed link's user) may do everything; group
 * `ops` has the operator's rule of docs/reload.md, nginx-reload in
 * ingress-nginx and nothing else.
 */
function demoDocument(env: NodeJS.ProcessEnv): Record<string, unknown> {
  return {
    listen: { host: '127.0.0.1', port: 8080 },
    // A fresh secret each start, so a demo token never outlives its gateway.
    auth: { jwt: { secret: randomBytes(32).toString('base64url'), algorithms: ['HS256'] }, allowedOrigins: [...DEMO_EMBEDDING_ORIGINS] },
    policy: [
      { groups: ['dev'], clusters: ['*'], namespaces: ['*'], allow: ['*'] },
      { groups: ['ops'], clusters: ['*'], namespaces: ['ingress-nginx'], allow: ['nginx-reload'] },
    ],
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

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}
