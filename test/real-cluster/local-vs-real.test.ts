// The embedded local cluster checked against a real kube-apiserver: the same
// requests (pod list and get, exec over v5, v4, base64 and v1 with stdin, tty,
// resize and exit codes, errors for a missing pod, container or namespace, a
// bad token, an offer of only old protocols; pod logs with tailLines and
// timestamps; attach; the ephemeralcontainers PATCH with a stale
// resourceVersion and invalid containers) go to both, and the answers are
// compared after removing what differs by nature (uids, timestamps, ports).
//
// KNOWN_DIFFERENCES lists every case where they still differ, each with what
// the real API server answers; docs/real-cluster.md explains them. A case
// that starts to agree, or a new difference, fails the test, so the list stays
// true as the local cluster changes.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '@webterm/local-cluster';
import { run } from './helpers/clients.js';
import { skipReason, startControlPlane, type ControlPlane } from './helpers/control-plane.js';
import { channels, commandQuery, httpsRequest, rawExec, type Endpoint, type ExecOutcome } from './helpers/raw.js';
import { projectRoot } from '../helpers/stack.js';

const skip = skipReason();
const ns = 'webterm-a';
const pod = 'shell-0';
const execPath = (p = pod, namespace = ns) => `/api/v1/namespaces/${namespace}/pods/${p}/exec`;

/**
 * Case name → how the answers differ and why. Both answers of every case are
 * written to test-results/local-vs-real.json by each run.
 */
export const KNOWN_DIFFERENCES: Record<string, string> = {
  'namespaces: list':
    "A real cluster always has default, kube-node-lease, kube-public and kube-system besides the namespaces made for it; the local cluster has only the namespaces of its spec. Harmless: a real cluster's list is its own.",
  'pods: list without a token':
    'The real API server (anonymous auth on, its default) takes a request without a token as system:anonymous and answers 403 Forbidden, "pods is forbidden: User "system:anonymous" cannot list resource "pods" …", details {kind: pods}; the local cluster answers 401 Unauthorized. With --anonymous-auth=false a real one answers 401 too. Harmless for the gateway, which always sends a credential.',
  'exec: no subprotocol offered':
    'The real server answers 101 with an empty Sec-WebSocket-Protocol header and speaks channel.k8s.io; a strict client (ws) fails that handshake (1006). The local cluster answers 101 without the header. No real client offers nothing.',
  'exec: no subprotocol offered, as curl sees it':
    'The same as "exec: no subprotocol offered", seen in the raw headers: the real server sends "Sec-WebSocket-Protocol: " (empty).',
  'exec: no command':
    'The API server passes an exec without command on to the node, so the answer is the container runtime\'s: the test node says "no command given", the local cluster imitates runc ("exec: "": executable file not found in $PATH"); what containerd says was not checked. kubectl refuses to send one.',
};

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** containerd names each exec by a random 64-hex id in its errors. */
const withoutExecIds = (value: unknown): unknown => JSON.parse(JSON.stringify(value).replace(/\\"[0-9a-f]{64}\\"/g, '<exec id>'));

function execSummary(outcome: ExecOutcome): unknown {
  if (outcome.refused !== undefined) return { refused: outcome.refused.status, body: json(outcome.refused.body) };
  const byChannel = channels(outcome);
  const status = byChannel['3'];
  return withoutExecIds({
    protocol: outcome.protocol,
    channels: { ...byChannel, ...(status === undefined ? {} : { '3': json(status) }) },
    closeCode: outcome.closeCode,
  });
}

/** The upgrade's answer as curl sees it: status line and the subprotocol header, for offers a websocket library would refuse. */
const curlUpgrade = (protocolHeader: string | undefined) => async (e: Endpoint) => {
  const caFile = join(mkdtempSync(join(tmpdir(), 'ca-')), 'ca.crt');
  writeFileSync(caFile, e.caPem);
  const result = await run('curl', [
    '--http1.1',
    '-sS',
    '-i',
    '-N',
    '--max-time',
    '3',
    '--cacert',
    caFile,
    '-H',
    'Connection: Upgrade',
    '-H',
    'Upgrade: websocket',
    '-H',
    'Sec-WebSocket-Version: 13',
    '-H',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    ...(protocolHeader === undefined ? [] : ['-H', `Sec-WebSocket-Protocol: ${protocolHeader}`]),
    '-H',
    `Authorization: Bearer ${e.token}`,
    `${e.url}${execPath()}?command=true&stdout=true`,
  ]);
  const text = result.stdout.toString('latin1');
  const head = text.slice(0, Math.max(0, text.indexOf('\r\n\r\n')));
  return { statusLine: head.split('\r\n')[0], subprotocol: /^sec-websocket-protocol: *(.*)$/im.exec(head)?.[1]?.trim() ?? null };
};

type Case = (endpoint: Endpoint) => Promise<unknown>;

const exec =
  (argv: string[], protocols: string[], flags: string, send: ExecOutcomeSend = {}) =>
  async (endpoint: Endpoint) =>
    execSummary(await rawExec(endpoint, execPath(), `${commandQuery(argv)}&${flags}`, protocols, send));
type ExecOutcomeSend = Parameters<typeof rawExec>[4];

const V5 = 'v5.channel.k8s.io';
const V4 = 'v4.channel.k8s.io';
const V4_BASE64 = 'v4.base64.channel.k8s.io';
const BASE64 = 'base64.channel.k8s.io';
const V1 = 'channel.k8s.io';
const resize = (width: number, height: number) =>
  Buffer.concat([Buffer.from([4]), Buffer.from(JSON.stringify({ Width: width, Height: height }))]);
/** Resize and stdin travel on separate streams: the command waits (up to 2 s) for the size before it prints it. */
const waitForSize = (size: string) =>
  `read x; i=0; while [ "$(stty size)" != "${size}" ] && [ $i -lt 200 ]; do sleep 0.01; i=$((i+1)); done; stty size; `;
const stdin = (text: string) => Buffer.concat([Buffer.from([0]), Buffer.from(text)]);

// stdout and stderr are separate pipes on a node too: their lines keep their order only when apart in time.
const LOGGER = ['sh', '-c', 'echo one; echo two; sleep 0.3; echo three >&2; exec sleep 3600'];
/** Reads one line, answers, ends: its attach ends with it, so no output races the end. */
const ONCE = ['sh', '-c', 'read line; echo "got $line"; exit 3'];
const podsPath = `/api/v1/namespaces/${ns}/pods`;
const logOf = (p: string, query: string) => async (e: Endpoint) => {
  const a = await httpsRequest(e, `${podsPath}/${p}/log?${query}`, { headers: { Accept: '*/*' } });
  // Each line's time differs by nature; its form does not.
  const body = a.body.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z /gm, '<RFC3339Nano> ');
  return { status: a.status, contentType: a.contentType, body: json(body) };
};
const attachPath = (p: string) => `${podsPath}/${p}/attach`;
/** A strategic merge patch of pods/{pod}/ephemeralcontainers, as kubectl debug and the gateway send it. */
const patchEphemeral = (p: string, body: unknown) => async (e: Endpoint) => {
  const a = await httpsRequest(e, `${podsPath}/${p}/ephemeralcontainers`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
    body: JSON.stringify(body),
  });
  const parsed = json(a.body) as { kind?: string; spec?: { ephemeralContainers?: unknown[] } };
  return {
    status: a.status,
    body: parsed.kind === 'Pod' ? { kind: 'Pod', ephemeralContainers: parsed.spec?.ephemeralContainers } : parsed,
  };
};
const debugContainer = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  image: 'busybox:1.36',
  targetContainerName: 'main',
  stdin: true,
  command: ONCE,
  ...extra,
});

const cases: Record<string, Case> = {
  'namespaces: list': async (e) => {
    const a = await httpsRequest(e, '/api/v1/namespaces');
    const body = json(a.body) as { kind?: string; items?: Array<{ metadata: { name: string }; status?: { phase?: string } }> };
    return {
      status: a.status,
      kind: body.kind,
      names: body.items?.map((n) => n.metadata.name).sort(),
      phases: [...new Set(body.items?.map((n) => n.status?.phase))],
    };
  },
  version: async (e) => {
    const a = await httpsRequest(e, '/version');
    return { status: a.status, keys: Object.keys(json(a.body) as object).sort() };
  },
  'pods: list': async (e) => {
    const a = await httpsRequest(e, `/api/v1/namespaces/${ns}/pods`);
    const body = json(a.body) as { kind?: string; apiVersion?: string; items?: Array<{ metadata: { name: string } }> };
    return {
      status: a.status,
      contentType: a.contentType,
      kind: body.kind,
      apiVersion: body.apiVersion,
      names: body.items?.map((p) => p.metadata.name),
    };
  },
  'pods: list by label selector': async (e) => {
    const a = await httpsRequest(e, `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent('app in (shell),tier!=db')}`);
    return {
      status: a.status,
      names: (json(a.body) as { items?: Array<{ metadata: { name: string } }> }).items?.map((p) => p.metadata.name),
    };
  },
  'pods: list as Table (kubectl get)': async (e) => {
    const a = await httpsRequest(e, `/api/v1/namespaces/${ns}/pods`, {
      headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' },
    });
    const body = json(a.body) as { kind?: string; columnDefinitions?: Array<{ name: string }>; rows?: unknown[] };
    return { status: a.status, kind: body.kind, columns: body.columnDefinitions?.map((c) => c.name), rows: body.rows?.length };
  },
  'pods: get': async (e) => {
    const a = await httpsRequest(e, `/api/v1/namespaces/${ns}/pods/${pod}`);
    const body = json(a.body) as {
      kind?: string;
      apiVersion?: string;
      metadata?: { name: string; namespace: string; labels: unknown };
      spec?: { containers: Array<{ name: string }> };
      status?: { phase: string; containerStatuses?: Array<{ name: string; ready: boolean }> };
    };
    return {
      status: a.status,
      kind: body.kind,
      apiVersion: body.apiVersion,
      name: body.metadata?.name,
      namespace: body.metadata?.namespace,
      labels: body.metadata?.labels,
      containers: body.spec?.containers.map((c) => c.name),
      phase: body.status?.phase,
      ready: body.status?.containerStatuses?.map((c) => [c.name, c.ready]),
    };
  },
  'pods: get a missing pod': async (e) => {
    const a = await httpsRequest(e, `/api/v1/namespaces/${ns}/pods/no-such-pod`);
    return { status: a.status, body: json(a.body) };
  },
  'pods: get in a missing namespace': async (e) => {
    const a = await httpsRequest(e, `/api/v1/namespaces/no-such-namespace/pods/${pod}`);
    return { status: a.status, body: json(a.body) };
  },
  'pods: list with a bad token': async (e) => {
    const a = await httpsRequest({ ...e, token: 'not-a-token' }, `/api/v1/namespaces/${ns}/pods`);
    return { status: a.status, body: json(a.body) };
  },
  'pods: list without a token': async (e) => {
    const a = await httpsRequest(e, `/api/v1/namespaces/${ns}/pods`, { headers: { Authorization: '' } });
    return { status: a.status, body: json(a.body) };
  },

  'exec v5: stdout, stderr, exit 0': exec(['sh', '-c', 'echo out; echo err >&2'], [V5], 'stdout=true&stderr=true'),
  'exec v5: exit 3': exec(['sh', '-c', 'echo out; exit 3'], [V5], 'stdout=true&stderr=true'),
  'exec v5: stdin and its close signal': exec(['cat'], [V5], 'stdin=true&stdout=true&stderr=true', {
    send: [stdin('hello\n'), Buffer.from([255, 0])],
  }),
  'exec v5: tty, resize then stty size': exec(['sh', '-c', waitForSize('30 100') + 'exit 4'], [V5], 'stdin=true&stdout=true&tty=true', {
    send: [resize(100, 30), stdin('go\r')],
  }),
  'exec v4: 1 MiB of output': async (e) => {
    const outcome = await rawExec(e, execPath(), `${commandQuery(['head', '-c', '1048576', '/dev/zero'])}&stdout=true`, [V4]);
    return { protocol: outcome.protocol, bytes: channels(outcome)['1']?.length, status: json(channels(outcome)['3'] ?? '') };
  },
  'exec v5: stdin closed at once': exec(['wc', '-c'], [V5], 'stdin=true&stdout=true', { send: [Buffer.from([255, 0])] }),
  'exec v4: stdout, stderr, exit 0': exec(['sh', '-c', 'echo out; echo err >&2'], [V4], 'stdout=true&stderr=true'),
  'exec v4: exit 42': exec(['sh', '-c', 'exit 42'], [V4], 'stdout=true&stderr=true'),
  'exec v4: stdin read to a length': exec(['head', '-c', '6'], [V4], 'stdin=true&stdout=true', { send: [stdin('hello\n')] }),
  'exec v4: tty, resize then stty size': exec(['sh', '-c', waitForSize('20 90')], [V4], 'stdin=true&stdout=true&tty=true', {
    send: [resize(90, 20), stdin('go\r')],
  }),
  'exec v4.base64: stdout, exit 3': exec(['sh', '-c', 'echo out; exit 3'], [V4_BASE64], 'stdout=true&stderr=true'),
  'exec base64 (v1): stdout, exit 3': exec(['sh', '-c', 'echo out; echo err >&2; exit 3'], [BASE64], 'stdout=true&stderr=true'),
  'exec v1: stdout, exit 3': exec(['sh', '-c', 'echo out; echo err >&2; exit 3'], [V1], 'stdout=true&stderr=true'),
  'exec v1: stdin read to a length': exec(['head', '-c', '6'], [V1], 'stdin=true&stdout=true', { send: [stdin('hello\n')] }),
  'exec: every protocol offered picks v5': exec(['true'], [V1, BASE64, V4, V5], 'stdout=true'),
  'exec: only v3 and v2 offered': exec(['true'], ['v3.channel.k8s.io', 'v2.channel.k8s.io'], 'stdout=true'),
  'exec: v1, base64 and v4 offered (no v5)': exec(['true'], [V1, BASE64, V4], 'stdout=true'),
  'exec: no subprotocol offered': exec(['true'], [], 'stdout=true'),
  'exec: no subprotocol offered, as curl sees it': curlUpgrade(undefined),
  'exec: only v3 offered, as curl sees it': curlUpgrade('v3.channel.k8s.io'),
  'exec: a command missing from the container': exec(['no-such-command'], [V4], 'stdout=true&stderr=true'),
  'exec: no stream asked for': exec(['true'], [V4], 'command=true'),
  'exec: tty with stderr': exec(['sh', '-c', 'echo tty; exit 0'], [V4], 'stdout=true&stderr=true&tty=true'),
  'exec: missing pod': async (e) => execSummary(await rawExec(e, execPath('no-such-pod'), 'command=true&stdout=true', [V4])),
  'exec: missing container': async (e) => execSummary(await rawExec(e, execPath(), 'command=true&stdout=true&container=nope', [V4])),
  'exec: no container named in a pod of two': async (e) =>
    execSummary(await rawExec(e, execPath('two-0'), 'command=true&stdout=true', [V4])),
  'exec: missing namespace': async (e) =>
    execSummary(await rawExec(e, execPath(pod, 'no-such-namespace'), 'command=true&stdout=true', [V4])),
  'exec: no command': async (e) => execSummary(await rawExec(e, execPath(), 'stdout=true', [V4])),
  'exec: bad token': async (e) =>
    execSummary(await rawExec(e, execPath(), 'command=true&stdout=true', [V4], { headers: { Authorization: 'Bearer not-a-token' } })),
  'exec: plain GET without an upgrade': async (e) => {
    const a = await httpsRequest(e, `${execPath()}?command=true&stdout=true`);
    return { status: a.status, body: json(a.body) };
  },
  'logs: whole log, stdout and stderr': logOf('logger-0', 'container=main'),
  'logs: tailLines=2': logOf('logger-0', 'container=main&tailLines=2'),
  'logs: tailLines=0': logOf('logger-0', 'container=main&tailLines=0'),
  'logs: timestamps': logOf('logger-0', 'container=main&timestamps=true'),
  'logs: a missing container': logOf('logger-0', 'container=nope'),
  'logs: no container named in a pod of two': logOf('two-0', ''),
  'logs: previous with none': logOf('logger-0', 'container=main&previous=true'),
  'logs: a missing pod': logOf('no-such-pod', ''),
  'attach v5: stdin to a main process that answers and exits': async (e) =>
    execSummary(
      await rawExec(e, attachPath('attach-0'), 'container=once&stdin=true&stdout=true&stderr=true', [V5], { send: [stdin('hello\n')] }),
    ),
  'attach: a missing container': async (e) => execSummary(await rawExec(e, attachPath('attach-0'), 'container=nope&stdout=true', [V5])),
  'attach: a missing pod': async (e) => execSummary(await rawExec(e, attachPath('no-such-pod'), 'stdout=true', [V5])),
  'ephemeralcontainers: no image': patchEphemeral('debug-0', {
    spec: { ephemeralContainers: [debugContainer('noimage', { image: '' })] },
  }),
  'ephemeralcontainers: a target that does not exist': patchEphemeral('debug-0', {
    spec: { ephemeralContainers: [debugContainer('notarget', { targetContainerName: 'nope' })] },
  }),
  'ephemeralcontainers: a missing pod': patchEphemeral('no-such-pod', { spec: { ephemeralContainers: [debugContainer('x')] } }),
  'ephemeralcontainers: added, then a PATCH with the resourceVersion from before': async (e) => {
    const before = (json((await httpsRequest(e, `${podsPath}/debug-0`)).body) as { metadata: { resourceVersion: string } }).metadata
      .resourceVersion;
    const added = await patchEphemeral('debug-0', { spec: { ephemeralContainers: [debugContainer('dbg-a')] } })(e);
    const stale = await patchEphemeral('debug-0', {
      metadata: { resourceVersion: before },
      spec: { ephemeralContainers: [debugContainer('stale')] },
    })(e);
    return { added, stale };
  },
  'ephemeralcontainers: the status once it runs': async (e) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const a = await httpsRequest(e, `${podsPath}/debug-0`);
      const statuses = (
        json(a.body) as { status?: { ephemeralContainerStatuses?: Array<{ name: string; state: Record<string, unknown> }> } }
      ).status?.ephemeralContainerStatuses;
      const state = statuses?.find((c) => c.name === 'dbg-a')?.state;
      if (state?.running !== undefined || Date.now() > deadline)
        return { names: statuses?.map((c) => c.name), state: Object.keys(state ?? {}) };
      await new Promise((resolve) => setTimeout(resolve, 100)); // polls the API server: no watch for this one case
    }
  },
  'attach v5: to the debug container': async (e) =>
    execSummary(
      await rawExec(e, attachPath('debug-0'), 'container=dbg-a&stdin=true&stdout=true&stderr=true', [V5], { send: [stdin('debug\n')] }),
    ),
  'exec: POST without an upgrade': async (e) => {
    const a = await httpsRequest(e, `${execPath()}?command=true&stdout=true`, { method: 'POST' });
    return { status: a.status, body: json(a.body) };
  },
};

describe.skipIf(skip !== undefined)('the local cluster answers as a real API server does', () => {
  let plane: ControlPlane;
  let local: LocalCluster;
  let real: Endpoint;
  let localEndpoint: Endpoint;
  const differences: Record<string, { local: unknown; real: unknown }> = {};
  const same: string[] = [];
  const answers: Record<string, unknown> = {};

  beforeAll(async () => {
    plane = await startControlPlane({ namespaces: [ns] });
    await plane.createPod(ns, pod, { labels: { app: 'shell' }, containers: [{ name: 'shell' }] });
    await plane.createPod(ns, 'two-0', { labels: { app: 'two' }, containers: [{ name: 'app' }, { name: 'sidecar' }] });
    await plane.createPod(ns, 'logger-0', { containers: [{ name: 'main', command: LOGGER }] });
    await plane.createPod(ns, 'attach-0', { containers: [{ name: 'once', command: ONCE, stdin: true }] });
    await plane.createPod(ns, 'debug-0', { containers: [{ name: 'main' }] });
    real = { url: plane.url, caPem: plane.caPem, token: plane.tokens.admin };
    local = await startLocalCluster({
      spec: {
        namespaces: {
          [ns]: {
            pods: [
              { name: pod, labels: { app: 'shell' }, containers: [{ name: 'shell' }] },
              { name: 'two-0', labels: { app: 'two' }, containers: [{ name: 'app' }, { name: 'sidecar' }] },
              { name: 'logger-0', containers: [{ name: 'main', command: LOGGER }] },
              { name: 'attach-0', containers: [{ name: 'once', command: ONCE, stdin: true }] },
              { name: 'debug-0', containers: [{ name: 'main' }] },
            ],
          },
        },
      },
    });
    localEndpoint = { url: local.url, caPem: local.caPem, token: local.token };
    // The logger's three lines are written before the logs cases read them.
    for (const e of [localEndpoint, real]) {
      const deadline = Date.now() + 15_000;
      while (!(await httpsRequest(e, `${podsPath}/logger-0/log`)).body.includes('three') && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const [name, run] of Object.entries(cases)) {
      const [l, r] = [await run(localEndpoint), await run(real)];
      answers[name] = r;
      if (JSON.stringify(l) === JSON.stringify(r)) same.push(name);
      else differences[name] = { local: l, real: r };
    }
    // The whole comparison, for a person to read: the differences with both answers.
    const out = join(projectRoot, 'test-results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'local-vs-real.json'), JSON.stringify({ same, differences, realAnswers: answers }, null, 2));
  }, 30 * 60_000);

  afterAll(async () => {
    await local?.stop();
    await plane?.stop();
  });

  it('compares every case', () => {
    expect(same.length + Object.keys(differences).length).toBe(Object.keys(cases).length);
  });

  it('differs from the real API server only where KNOWN_DIFFERENCES says so', () => {
    expect(Object.keys(differences).sort()).toEqual(Object.keys(KNOWN_DIFFERENCES).sort());
  });
});
