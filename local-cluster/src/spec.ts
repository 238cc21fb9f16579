// What the local cluster holds: namespaces, pods and containers, from a YAML
// spec or the default one. Pods with `replicas` expand to name-0 … name-(n-1).
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label')
  .max(63);

const containerSchema = z
  .object({
    name: dnsLabel,
    image: z.string().default('local/shell'),
    /** Working directory, relative to the pod's own directory; `.` by default. */
    workDir: z.string().default('.'),
    env: z.record(z.string(), z.string()).default({}),
    /** Directories put on PATH ahead of the system ones. */
    path: z.array(z.string().regex(/^\/[^:]*$/, 'must be an absolute directory without ":"')).default([]),
    /** Shells on PATH. Without bash, `command -v bash` fails in this container; with none (distroless-style), so does `sh`. */
    shells: z.array(z.enum(['bash', 'sh'])).default(['bash', 'sh']),
    /** The main process (argv), started with the cluster; without it the container only sleeps, with an empty log. */
    command: z.array(z.string()).min(1).optional(),
    /** Appended to `command`, as a Pod's args follow its command. */
    args: z.array(z.string()).default([]),
    /** The main process keeps stdin open for attached clients. */
    stdin: z.boolean().default(false),
    /** The main process runs in a terminal. */
    tty: z.boolean().default(false),
    /** Gives the pod its own real nginx, run by `nginx` in this container. */
    nginx: z.boolean().default(false),
  })
  .strict();

const podSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS-1123 subdomain'),
    labels: z.record(z.string(), z.string()).default({}),
    annotations: z.record(z.string(), z.string()).default({}),
    /** Pods name-0 … name-(replicas-1); a single pod keeps its name when absent. */
    replicas: z.number().int().min(1).max(10_000).optional(),
    containers: z.array(containerSchema).min(1),
  })
  .strict();

export const localClusterSpecSchema = z
  .object({
    namespaces: z.record(dnsLabel, z.object({ pods: z.array(podSchema).default([]) }).strict()),
  })
  .strict();

export type LocalClusterSpec = z.input<typeof localClusterSpecSchema>;
export type ContainerSpec = z.output<typeof containerSchema>;

export interface PodSpec {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  containers: ContainerSpec[];
}

const controllerLabels = {
  'app.kubernetes.io/name': 'ingress-nginx',
  'app.kubernetes.io/component': 'controller',
};

/**
 * web-0's main process: a tiny HTTP server in node that logs each
 * request and a heartbeat every 3 s, so `kubectl logs -f` has lines to show.
 */
const WEB_SERVER = `
const http = require('node:http');
let beats = 0;
const server = http.createServer((req, res) => {
  console.log(new Date().toISOString(), req.method, req.url, 200);
  res.end('web-0\\n');
});
server.listen(0, '127.0.0.1', () => console.log('web-0 listening on http://127.0.0.1:' + server.address().port));
setInterval(() => console.log(new Date().toISOString(), 'heartbeat', ++beats), 3000);
process.on('SIGTERM', () => process.exit(0));
`;

/** shell-0's main process: a bash on a terminal with stdin, as `kubectl run -it` makes one; `kubectl attach -it` reaches it. */
const SHELL_MAIN = ['bash', '-c', 'echo "shell-0 main process: kubectl attach -it shell-0 reaches this bash"; exec bash -i'];

export const DEFAULT_SPEC: LocalClusterSpec = {
  namespaces: {
    default: {
      pods: [
        {
          name: 'shell-0',
          labels: { app: 'shell' },
          containers: [{ name: 'shell', image: 'local/debian', command: SHELL_MAIN, stdin: true, tty: true }],
        },
        // Distroless-style: no shell to exec, a main process that logs. Named to sort
        // after shell-0, which stays the first pod a newcomer's page opens.
        {
          name: 'web-0',
          labels: { app: 'web' },
          containers: [{ name: 'web', image: 'local/distroless', shells: [], command: [process.execPath, '-e', WEB_SERVER] }],
        },
        { name: 'tiny-0', labels: { app: 'tiny' }, containers: [{ name: 'main', image: 'local/tiny', shells: ['sh'] }] },
        { name: 'sidecar-0', labels: { app: 'sidecar' }, containers: [{ name: 'app' }, { name: 'sidecar', shells: ['sh'] }] },
      ],
    },
    'ingress-nginx': {
      pods: [
        {
          name: 'ingress-nginx-controller',
          replicas: 2,
          labels: controllerLabels,
          containers: [{ name: 'controller', image: 'local/ingress-nginx-controller', nginx: true }],
        },
      ],
    },
  },
};

export class SpecError extends Error {
  constructor(source: string, problems: string[]) {
    super(`invalid local cluster spec in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SpecError';
  }
}

/** Validates a spec and expands it into pods, in spec order. */
export function expandSpec(spec: unknown, source = 'spec'): PodSpec[] {
  const result = localClusterSpecSchema.safeParse(spec);
  if (!result.success) {
    throw new SpecError(
      source,
      result.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`),
    );
  }
  const pods: PodSpec[] = [];
  const seen = new Set<string>();
  for (const [namespace, { pods: declared }] of Object.entries(result.data.namespaces)) {
    for (const pod of declared) {
      const names = pod.replicas === undefined ? [pod.name] : Array.from({ length: pod.replicas }, (_, i) => `${pod.name}-${i}`);
      for (const name of names) {
        const key = `${namespace}/${name}`;
        if (seen.has(key)) throw new SpecError(source, [`namespaces.${namespace}: pod ${name} is declared twice`]);
        seen.add(key);
        pods.push({ namespace, name, labels: pod.labels, annotations: pod.annotations, containers: pod.containers });
      }
    }
  }
  return pods;
}

export function namespacesOf(spec: unknown): string[] {
  return Object.keys(localClusterSpecSchema.parse(spec).namespaces);
}

export function readSpecFile(path: string): unknown {
  return parseYaml(readFileSync(path, 'utf8'));
}
