// The exec endpoint of the local cluster spoken to by @kubernetes/client-node
// and by raw websocket clients offering each channel protocol.
import { existsSync } from 'node:fs';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { PassThrough, Readable } from 'node:stream';
import { Exec, KubeConfig, type V1Status } from '@kubernetes/client-node';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '../../../server/local-cluster/index.js';
import { sessionMembers } from '../../../server/local-cluster/processes.js';
import { poll } from '../../helpers/terminal-client.js';

let cluster: LocalCluster;

beforeAll(async () => {
  cluster = await startLocalCluster();
});

afterAll(async () => {
  await cluster?.stop();
});

interface RawExec {
  ws: WebSocket;
  frames: Array<{ data: Buffer; binary: boolean }>;
  closed: Promise<number>;
  opened: Promise<string>;
  refused: Promise<{ status: number; body: string }>;
}

function rawExec(query: string, protocols: string[], pod = 'shell-0', namespace = 'default'): RawExec {
  const ws = new WebSocket(`${cluster.url.replace('https', 'wss')}/api/v1/namespaces/${namespace}/pods/${pod}/exec?${query}`, protocols, {
    headers: { Authorization: `Bearer ${cluster.token}` },
    ca: cluster.caPem,
    perMessageDeflate: false,
  });
  const frames: RawExec['frames'] = [];
  ws.on('message', (data: Buffer, binary) => frames.push({ data: Buffer.from(data), binary }));
  ws.on('error', () => undefined);
  return {
    ws,
    frames,
    closed: new Promise((resolve) => ws.on('close', (code) => resolve(code))),
    opened: new Promise((resolve) => ws.on('open', () => resolve(ws.protocol))),
    refused: new Promise((resolve) =>
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }),
    ),
  };
}

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig());
  return kc;
}

async function clientNodeExec(command: string[], stdin?: string): Promise<{ stdout: string; stderr: string; status: V1Status; protocol: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  let protocol = '';
  const status = await new Promise<V1Status>((resolve, reject) => {
    new Exec(kubeConfig())
      .exec('default', 'shell-0', 'shell', command, stdout, stderr, stdin === undefined ? null : Readable.from([stdin]), false, resolve)
      .then((ws) => (protocol = ws.protocol), reject);
  });
  return { stdout: out, stderr: err, status, protocol };
}

describe('@kubernetes/client-node Exec', () => {
  it('runs a command over v5 and reports Success', async () => {
    const result = await clientNodeExec(['sh', '-c', 'echo out; echo err >&2']);
    expect(result.protocol).toBe('v5.channel.k8s.io');
    expect(result.stdout).toBe('out\n');
    expect(result.stderr).toBe('err\n');
    expect(result.status).toEqual({ metadata: {}, status: 'Success' });
  });

  it('reports a non-zero exit as NonZeroExitCode with the ExitCode cause', async () => {
    const result = await clientNodeExec(['sh', '-c', 'exit 3']);
    expect(result.status.status).toBe('Failure');
    expect(result.status.reason).toBe('NonZeroExitCode');
    expect(result.status.details?.causes).toEqual([{ reason: 'ExitCode', message: '3' }]);
  });

  it('sends stdin and closes it with the v5 CLOSE signal', async () => {
    const result = await clientNodeExec(['wc', '-c'], 'twelve bytes');
    expect(result.stdout.trim()).toBe('12');
  });
});

describe('channel protocols', () => {
  it('speaks v4: binary frames, one empty initial frame, status on channel 3, close 1000', async () => {
    const exec = rawExec('command=sh&command=-c&command=echo%20hi%3B%20exit%202&stdout=true&stderr=true', ['v4.channel.k8s.io']);
    expect(await exec.opened).toBe('v4.channel.k8s.io');
    expect(await exec.closed).toBe(1000);
    expect(exec.frames[0]).toEqual({ data: Buffer.from([1]), binary: true });
    expect(exec.frames.filter((f) => f.data[0] === 1 && f.data.length > 1).map((f) => f.data.subarray(1).toString()).join('')).toBe('hi\n');
    const status = JSON.parse(exec.frames.at(-1)!.data.subarray(1).toString()) as V1Status;
    expect(exec.frames.at(-1)!.data[0]).toBe(3);
    expect(status.details?.causes).toEqual([{ reason: 'ExitCode', message: '2' }]);
  });

  it('speaks v4.base64: text frames with an ASCII channel and base64 payloads', async () => {
    const exec = rawExec('command=echo&command=b64&stdout=true', ['v4.base64.channel.k8s.io']);
    expect(await exec.opened).toBe('v4.base64.channel.k8s.io');
    await exec.closed;
    expect(exec.frames[0]).toEqual({ data: Buffer.from('1'), binary: false });
    const out = exec.frames.filter((f) => f.data.toString().startsWith('1') && f.data.length > 1).map((f) => Buffer.from(f.data.toString().slice(1), 'base64').toString()).join('');
    expect(out).toBe('b64\n');
    expect(exec.frames.at(-1)!.data.toString().startsWith('3')).toBe(true);
  });

  it('follows the client order and picks v5 when offered first', async () => {
    const exec = rawExec('command=true&stdout=true', ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    expect(await exec.opened).toBe('v5.channel.k8s.io');
    await exec.closed;
    const v4first = rawExec('command=true&stdout=true', ['v4.channel.k8s.io', 'v5.channel.k8s.io']);
    expect(await v4first.opened).toBe('v4.channel.k8s.io');
    await v4first.closed;
  });

  it('sends nothing on channel 3 for a success under channel.k8s.io (the v1 rules)', async () => {
    const exec = rawExec('command=true&stdout=true', ['channel.k8s.io']);
    expect(await exec.opened).toBe('channel.k8s.io');
    expect(await exec.closed).toBe(1000);
    expect(exec.frames.filter((f) => f.data[0] === 3)).toEqual([]);
  });

  it('refuses an offer of only SPDY names (v2, v3) with 403', async () => {
    const exec = rawExec('command=true&stdout=true', ['v3.channel.k8s.io', 'v2.channel.k8s.io']);
    expect((await exec.refused).status).toBe(403);
  });

  it('answers bad parameters with the real server errors', async () => {
    const multi = await rawExec('command=true&stdout=true', ['v5.channel.k8s.io'], 'multi-0').refused;
    expect(multi.status).toBe(400);
    expect(JSON.parse(multi.body)).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: 'a container name must be specified for pod multi-0, choose one of: [app sidecar]' });
    const v4NoStream = await rawExec('command=true', ['v4.channel.k8s.io']).refused;
    expect(v4NoStream).toEqual({ status: 400, body: 'you must specify at least 1 of stdin, stdout, stderr' });
    const v5NoStream = rawExec('command=true', ['v5.channel.k8s.io']);
    await v5NoStream.closed;
    expect(JSON.parse(v5NoStream.frames.at(-1)!.data.subarray(1).toString())).toMatchObject({ reason: 'InternalError', code: 500 });
    const missing = rawExec('command=no-such-program&stdout=true', ['v5.channel.k8s.io']);
    await missing.closed;
    expect(JSON.parse(missing.frames.at(-1)!.data.subarray(1).toString()).message).toContain('executable file not found in $PATH');
  });

  it('answers a plain request to exec with 400 Upgrade request required', async () => {
    const url = new URL(`${cluster.url}/api/v1/namespaces/default/pods/shell-0/exec?command=true`);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpsRequest(url, { headers: { Authorization: `Bearer ${cluster.token}` }, ca: cluster.caPem }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ message: 'Upgrade request required', reason: 'BadRequest', code: 400 });
  });
});

describe('processes', () => {
  it('has no bash in the alpine-0 container, and sh works there', async () => {
    const exec = rawExec('command=sh&command=-c&command=command%20-v%20bash%20||%20echo%20no-bash&stdout=true', ['v5.channel.k8s.io'], 'alpine-0');
    await exec.closed;
    expect(exec.frames.filter((f) => f.data[0] === 1).map((f) => f.data.subarray(1).toString()).join('')).toBe('no-bash\n');
  });

  it('runs in the pod working directory with its HOSTNAME', async () => {
    const exec = rawExec('command=sh&command=-c&command=pwd%3B%20echo%20$HOSTNAME&stdout=true', ['v5.channel.k8s.io']);
    await exec.closed;
    const out = exec.frames.filter((f) => f.data[0] === 1).map((f) => f.data.subarray(1).toString()).join('');
    expect(out).toBe(`${cluster.pod('default', 'shell-0')!.workDir('shell')}\nshell-0\n`);
  });

  it.each([false, true])('leaves no process when the client disconnects mid-command (tty=%s)', async (tty) => {
    const command = 'command=sh&command=-c&command=' + encodeURIComponent('sleep 300 & echo $$; wait');
    const exec = rawExec(`${command}&stdout=true&stdin=true&tty=${tty}`, ['v5.channel.k8s.io']);
    await poll(() => exec.frames.some((f) => f.data[0] === 1 && /\d+/.test(f.data.subarray(1).toString())), 5000, 'the pid');
    const pid = Number(/\d+/.exec(exec.frames.map((f) => f.data.subarray(1).toString()).join(''))![0]);
    expect(sessionMembers(pid).length).toBeGreaterThanOrEqual(2);
    exec.ws.terminate();
    await poll(() => sessionMembers(pid).length === 0 && cluster.activeExecs() === 0, 5000, 'every process of the exec to end');
  });
});

describe('nginx pods', () => {
  const haveNginx = existsSync('/usr/sbin/nginx');

  it.skipIf(!haveNginx)('run their own nginx, reloaded from inside the pod', async () => {
    const pod = cluster.pod('ingress-nginx', 'ingress-nginx-controller-0')!;
    const other = cluster.pod('ingress-nginx', 'ingress-nginx-controller-1')!;
    expect(pod.nginx!.port).not.toBe(other.nginx!.port);
    const get = (port: number) =>
      new Promise<string>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/' }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        }).on('error', reject).end();
      });
    expect(await get(pod.nginx!.port)).toBe('ingress-nginx-controller-0\n');
    const run = async (args: string[]) => {
      const exec = rawExec(`${args.map((a) => `command=${encodeURIComponent(a)}`).join('&')}&stdout=true&stderr=true`, ['v5.channel.k8s.io'], pod.name, 'ingress-nginx');
      await exec.closed;
      return JSON.parse(exec.frames.at(-1)!.data.subarray(1).toString()) as V1Status;
    };
    expect((await run(['nginx', '-t'])).status).toBe('Success');
    const conf = readFileSync(pod.nginx!.confPath, 'utf8');
    writeFileSync(pod.nginx!.confPath, conf.replace('return 200 "ingress-nginx-controller-0\\n"', 'return 200 "reloaded\\n"'));
    expect((await run(['nginx', '-s', 'reload'])).status).toBe('Success');
    let answer = '';
    const deadline = Date.now() + 5000;
    while (answer !== 'reloaded\n' && Date.now() < deadline) {
      answer = await get(pod.nginx!.port);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(answer).toBe('reloaded\n');
    expect(await get(other.nginx!.port)).toBe('ingress-nginx-controller-1\n');
  });
});
