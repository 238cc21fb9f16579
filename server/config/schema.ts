// The schema of the configuration document: every key, its default and what
// it may hold. loadConfig reports problems with their key paths.
import { z } from 'zod';
import { allowedOriginProblem } from '../core/allowed-origin.js';
import { clusterSchema, nonEmpty } from './cluster-schema.js';

const glob = nonEmpty;

const jwtAlgorithm = z.enum([
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
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

const seconds = z
  .number()
  .int()
  .min(0)
  .max(30 * 24 * 3600);

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
    maxPayloadBytes: z
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024),
    /** Output buffered for the browser above which the upstream is paused. */
    highWaterMarkBytes: z
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024),
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
    replayBufferBytes: z
      .number()
      .int()
      .min(0)
      .max(64 * 1024 * 1024)
      .default(256 * 1024),
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

/** Ephemeral debug containers (POST …/pods/{pod}/debug, kubectl debug). */
const debugSchema = z
  .object({
    /** The only images a debug container may run; the first is the default. */
    images: z.array(nonEmpty).min(1, 'name at least one image').default(['busybox:1.36']),
    /** How long a new debug container may take to run before the request fails with 504. */
    timeoutSeconds: z.number().positive().max(3600).default(60),
  })
  .strict();

export const configSchema = z
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
          .array(
            z.string().superRefine((entry, ctx) => {
              const problem = allowedOriginProblem(entry);
              if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
            }),
          )
          .default([]),
      })
      .strict(),
    clusters: z.array(clusterSchema).default([]),
    policy: z.array(policyRuleSchema).default([]),
    actions: z
      .record(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'action names are lowercase DNS labels'), actionSchema)
      .default({}),
    terminal: terminalSchema.default(terminalSchema.parse({})),
    sessions: sessionsSchema.default(sessionsSchema.parse({})),
    debug: debugSchema.default(debugSchema.parse({})),
    files: z
      .object({
        /** Largest upload (PUT …/files) accepted: 100 MiB by default. */
        maxBytes: z
          .number()
          .int()
          .min(1)
          .max(64 * 1024 * 1024 * 1024)
          .default(100 * 1024 * 1024),
      })
      .strict()
      .default({ maxBytes: 100 * 1024 * 1024 }),
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
    actionOutputLimitBytes: z
      .number()
      .int()
      .min(1024)
      .max(16 * 1024 * 1024)
      .default(64 * 1024),
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
export type PolicyRuleConfig = z.output<typeof policyRuleSchema>;
export type ActionConfig = z.output<typeof actionSchema>;
export type SessionLimitsConfig = z.output<typeof sessionLimitsSchema>;
export type RecordingConfig = z.output<typeof recordingSchema>;
export type DebugConfig = z.output<typeof debugSchema>;
