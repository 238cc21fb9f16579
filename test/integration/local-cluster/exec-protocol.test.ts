// The exec endpoint of the local cluster spoken to by @kubernetes/client-node
// (v5, and v4 when only v4 is offered) and by raw websocket clients offering
// each channel protocol: negotiation, frames, statuses and refusals.
import { PassThrough, Readable } from 'node:stream';
import { Exec, KubeConfig, type V1Status } from '@kubernetes/client-node';
// Not re-exported by the package index; its socket factory lets the test narrow the offer to v4.
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '@webterm/local-cluster';
import { commandQuery, httpsGet, rawExec } from './raw-client.js';

let cluster: LocalCluster;

beforeAll(async () => {
  cluster = await startLocalCluster();
});

afterAll(async () => {
  await cluster?.stop();
});

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig());
  return kc;
}

/** client-node's Exec; `onlyProtocol` narrows what its WebSocketHandler offers. */
async function clientNodeExec(command: string[], options: { stdin?: string; onlyProtocol?: string } = {}) {
  const kc = kubeConfig();
  const handler =
    options.onlyProtocol === undefined
      ? undefined
      : new WebSocketHandler(kc, (uri, _protocols, opts) => new WebSocket(uri, [options.onlyProtocol!], opts));
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  let protocol = '';
  const status = await new Promise<V1Status>((resolve, reject) => {
    new Exec(kc, handler)
      .exec(
        'default',
        'shell-0',
        'shell',
        command,
        stdout,
        stderr,
        options.stdin === undefined ? null : Readable.from([options.stdin]),
        false,
        resolve,
      )
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

  it('reports a non-zero exit over v5 as the API server translator words it', async () => {
    const result = await clientNodeExec(['sh', '-c', 'exit 3']);
    expect(result.status).toEqual({
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: command terminated with exit code 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });

  it('sends stdin and closes it with the v5 CLOSE signal', async () => {
    const result = await clientNodeExec(['wc', '-c'], { stdin: 'twelve bytes' });
    expect(result.stdout.trim()).toBe('12');
  });

  it('speaks v4 when v4 is all it offers, with the kubelet wording of the exit status', async () => {
    const ok = await clientNodeExec(['sh', '-c', 'echo v4 out; echo v4 err >&2'], { onlyProtocol: 'v4.channel.k8s.io' });
    expect(ok.protocol).toBe('v4.channel.k8s.io');
    expect(ok.stdout).toBe('v4 out\n');
    expect(ok.stderr).toBe('v4 err\n');
    expect(ok.status).toEqual({ metadata: {}, status: 'Success' });
    const failed = await clientNodeExec(['sh', '-c', 'exit 3'], { onlyProtocol: 'v4.channel.k8s.io' });
    expect(failed.status.message).toBe('command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3');
    expect(failed.status.details?.causes).toEqual([{ reason: 'ExitCode', message: '3' }]);
  });
});

describe('channel protocols', () => {
  it('speaks v4: binary frames, one empty initial frame, output, status on channel 3, close 1000', async () => {
    const exec = rawExec(cluster, `${commandQuery(['sh', '-c', 'echo hi; echo oops >&2; exit 2'])}&stdout=true&stderr=true`, [
      'v4.channel.k8s.io',
    ]);
    expect(await exec.opened).toBe('v4.channel.k8s.io');
    expect(await exec.closed).toBe(1000);
    expect(exec.frames[0]).toEqual({ data: Buffer.from([1]), binary: true });
    expect(exec.frames.filter((f) => f.data.length === 1)).toHaveLength(1);
    expect(exec.frames.every((f) => f.binary)).toBe(true);
    expect(exec.output(1)).toBe('hi\n');
    expect(exec.output(2)).toBe('oops\n');
    expect(exec.frames.at(-1)!.data[0]).toBe(3);
    expect(exec.status()).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '2' }] },
    });
    expect(exec.status()).not.toHaveProperty('kind');
    expect(exec.status()).not.toHaveProperty('code');
  });

  it('sends the initial frame on stderr, or on channel 3, when stdout is not requested', async () => {
    const onStderr = rawExec(cluster, `${commandQuery(['true'])}&stderr=true`, ['v5.channel.k8s.io']);
    await onStderr.closed;
    expect(onStderr.frames[0]!.data).toEqual(Buffer.from([2]));
    const onStatus = rawExec(cluster, `${commandQuery(['cat'])}&stdin=true`, ['v5.channel.k8s.io']);
    await onStatus.opened;
    onStatus.ws.send(Buffer.from([255, 0]));
    await onStatus.closed;
    expect(onStatus.frames[0]!.data).toEqual(Buffer.from([3]));
    expect(onStatus.status()).toEqual({ metadata: {}, status: 'Success' });
  });

  it('speaks v4.base64: text frames with an ASCII channel and base64 payloads, both ways', async () => {
    const exec = rawExec(cluster, `${commandQuery(['cat'])}&stdin=true&stdout=true`, ['v4.base64.channel.k8s.io']);
    expect(await exec.opened).toBe('v4.base64.channel.k8s.io');
    exec.ws.send('0' + Buffer.from('through base64\n').toString('base64'));
    // v4 has no half-close: the client ends the command another way.
    await new Promise((r) => setTimeout(r, 100));
    exec.ws.close(1000);
    await exec.closed;
    expect(exec.frames[0]).toEqual({ data: Buffer.from('1'), binary: false });
    const out = exec.frames
      .filter((f) => f.data.toString().startsWith('1'))
      .map((f) => Buffer.from(f.data.toString().slice(1), 'base64').toString())
      .join('');
    expect(out).toBe('through base64\n');
  });

  // As kube-apiserver 1.34 does (test/real-cluster/local-vs-real.test.ts): v5 goes to its
  // stream translator wherever it stands; without it, the kubelet takes the client's first.
  it('takes v5 wherever it is offered, and otherwise the client’s first supported protocol', async () => {
    const v5first = rawExec(cluster, 'command=true&stdout=true', ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    expect(await v5first.opened).toBe('v5.channel.k8s.io');
    await v5first.closed;
    const v4first = rawExec(cluster, 'command=true&stdout=true', ['v4.channel.k8s.io', 'v5.channel.k8s.io']);
    expect(await v4first.opened).toBe('v5.channel.k8s.io');
    await v4first.closed;
    const withoutV5 = rawExec(cluster, 'command=true&stdout=true', ['channel.k8s.io', 'v4.channel.k8s.io']);
    expect(await withoutV5.opened).toBe('channel.k8s.io');
    await withoutV5.closed;
  });

  it('applies the v1 rules under channel.k8s.io: nothing on success, the bare message on failure', async () => {
    const ok = rawExec(cluster, 'command=true&stdout=true', ['channel.k8s.io']);
    expect(await ok.opened).toBe('channel.k8s.io');
    expect(await ok.closed).toBe(1000);
    expect(ok.frames.filter((f) => f.data[0] === 3)).toEqual([]);
    const failed = rawExec(cluster, `${commandQuery(['sh', '-c', 'exit 4'])}&stdout=true`, ['channel.k8s.io']);
    await failed.closed;
    expect(failed.output(3)).toBe('command terminated with non-zero exit code: error executing command [sh -c exit 4], exit code 4');
  });

  it('refuses an offer of only SPDY names (v2, v3) with 403', async () => {
    const exec = rawExec(cluster, 'command=true&stdout=true', ['v3.channel.k8s.io', 'v2.channel.k8s.io']);
    expect((await exec.refused).status).toBe(403);
  });

  it('takes a browser token from the base64url bearer subprotocol and never echoes it', async () => {
    const tokenProtocol = `base64url.bearer.authorization.k8s.io.${Buffer.from(cluster.token).toString('base64url')}`;
    const exec = rawExec(cluster, `${commandQuery(['echo', 'browser'])}&stdout=true`, [tokenProtocol, 'v5.channel.k8s.io'], {
      headers: {},
    });
    expect(await exec.opened).toBe('v5.channel.k8s.io');
    await exec.closed;
    expect(exec.output(1)).toBe('browser\n');
    const alone = rawExec(cluster, 'command=true&stdout=true', [tokenProtocol], { headers: {} });
    expect((await alone.refused).status).toBe(401);
    const wrong = rawExec(cluster, 'command=true&stdout=true', ['base64url.bearer.authorization.k8s.io.d3Jvbmc', 'v5.channel.k8s.io'], {
      headers: {},
    });
    expect(await wrong.refused).toMatchObject({ status: 401 });
  });

  it('refuses before the upgrade with the API server errors', async () => {
    const multi = await rawExec(cluster, 'command=true&stdout=true', ['v5.channel.k8s.io'], { pod: 'sidecar-0' }).refused;
    expect(multi.status).toBe(400);
    expect(JSON.parse(multi.body)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'a container name must be specified for pod sidecar-0, choose one of: [app sidecar]',
      reason: 'BadRequest',
      code: 400,
    });
    const container = await rawExec(cluster, 'command=true&stdout=true&container=nope', ['v5.channel.k8s.io']).refused;
    expect(JSON.parse(container.body)).toMatchObject({
      message: 'container nope is not valid for pod shell-0',
      reason: 'BadRequest',
      code: 400,
    });
    const pod = await rawExec(cluster, 'command=true&stdout=true', ['v5.channel.k8s.io'], { pod: 'ghost' }).refused;
    expect(pod.status).toBe(404);
    expect(JSON.parse(pod.body)).toMatchObject({
      message: 'pods "ghost" not found',
      reason: 'NotFound',
      details: { name: 'ghost', kind: 'pods' },
      code: 404,
    });
    const unauthorized = await rawExec(cluster, 'command=true&stdout=true', ['v5.channel.k8s.io'], {
      headers: { Authorization: 'Bearer wrong' },
    }).refused;
    expect(unauthorized.status).toBe(401);
    expect(JSON.parse(unauthorized.body)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
  });

  it('answers a request without any stream as the kubelet does (v4) or as the translator does (v5)', async () => {
    const v4 = await rawExec(cluster, 'command=true', ['v4.channel.k8s.io']).refused;
    expect(v4).toMatchObject({ status: 400, body: 'you must specify at least 1 of stdin, stdout, stderr' });
    // tty drops stderr, so stderr alone with a tty is no stream at all.
    const ttyStderr = await rawExec(cluster, 'command=true&tty=true&stderr=true', ['v4.channel.k8s.io']).refused;
    expect(ttyStderr.status).toBe(400);
    const v5 = rawExec(cluster, 'command=true', ['v5.channel.k8s.io']);
    expect(await v5.closed).toBe(1000);
    expect(v5.frames[0]!.data).toEqual(Buffer.from([3]));
    expect(v5.status()).toEqual({
      metadata: {},
      status: 'Failure',
      message: 'Internal error occurred: unable to upgrade connection: you must specify at least 1 of stdin, stdout, stderr',
      reason: 'InternalError',
      details: { causes: [{ message: 'unable to upgrade connection: you must specify at least 1 of stdin, stdout, stderr' }] },
      code: 500,
    });
  });

  it('reports a program that does not exist as the runtime does, wrapped once more by v5', async () => {
    const v5 = rawExec(cluster, 'command=no-such-program&stdout=true', ['v5.channel.k8s.io']);
    await v5.closed;
    expect(v5.status()).toMatchObject({ reason: 'InternalError', code: 500 });
    expect(v5.status().message).toMatch(
      /^Internal error occurred: Internal error occurred: error executing command in container: .*exec: "no-such-program": executable file not found in \$PATH: unknown$/,
    );
    const v4 = rawExec(cluster, 'command=no-such-program&stdout=true', ['v4.channel.k8s.io']);
    await v4.closed;
    expect(v4.status().message).toMatch(/^Internal error occurred: error executing command in container: /);
  });

  it('drops stderr when a tty is asked for: the terminal carries both', async () => {
    const exec = rawExec(cluster, `${commandQuery(['sh', '-c', 'echo to-err >&2'])}&stdout=true&stderr=true&tty=true`, [
      'v5.channel.k8s.io',
    ]);
    await exec.closed;
    expect(exec.output(2)).toBe('');
    expect(exec.output(1)).toBe('to-err\r\n');
  });

  it('ends the session on a malformed CLOSE signal, as the real read loop does', async () => {
    const exec = rawExec(cluster, `${commandQuery(['sleep', '30'])}&stdin=true&stdout=true`, ['v5.channel.k8s.io']);
    await exec.opened;
    exec.ws.send(Buffer.from([255, 0, 0]));
    expect(await exec.closed).toBe(1006);
  });

  it('answers a plain request to exec with 400 Upgrade request required, after the pod checks', async () => {
    const plain = await httpsGet(cluster, '/api/v1/namespaces/default/pods/shell-0/exec?command=true');
    expect(plain.status).toBe(400);
    expect(JSON.parse(plain.body)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Upgrade request required',
      reason: 'BadRequest',
      code: 400,
    });
    const ghost = await httpsGet(cluster, '/api/v1/namespaces/default/pods/ghost/exec?command=true');
    expect(ghost.status).toBe(404);
  });
});
