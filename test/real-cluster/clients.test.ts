// The seed's clients through the gateway's kubectl endpoint, /k8s/clusters/C,
// in front of a real API server: kubectl 1.30–1.33, curl's raw websocket
// upgrade, the Kubernetes Java client's Exec and the Python client's stream().
// Each runs `nginx -s reload` in an ingress controller pod and reads its
// output and exit status; the pod's real nginx then serves the new rules.
import { randomBytes, createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlOfMinor } from '../helpers/kubectl.js';
import { javaClient, parseFrames, pythonClient, run } from './helpers/clients.js';
import { skipReason, startControlPlane, type ControlPlane } from './helpers/control-plane.js';
import { startRealGateway, type RealGateway } from './helpers/gateway.js';
import { NGINX, eventually, get, nginxConf, startPodNginx, stopPodNginx, type PodNginx } from './helpers/pod-nginx.js';

const skip = skipReason();
if (skip === undefined && !existsSync(NGINX))
  throw new Error(`nginx is not installed (${NGINX}): .ci/run installs Debian nginx-light for these tests`);

const ns = 'ingress-nginx';
const pod = 'ingress-nginx-controller-0';

describe.skipIf(skip !== undefined)('the seed’s clients through the gateway and a real API server', () => {
  let plane: ControlPlane;
  let gateway: RealGateway;
  let nginx: PodNginx;
  let server: string;
  let generation = 0;

  beforeAll(async () => {
    plane = await startControlPlane({ namespaces: [ns] });
    nginx = await startPodNginx(plane.dir, pod);
    await plane.createPod(ns, pod, {
      labels: { 'app.kubernetes.io/component': 'controller' },
      containers: [{ name: 'controller', env: nginx.env }],
    });
    gateway = await startRealGateway(plane);
    server = `${gateway.url}/k8s/clusters/real`;
  }, 30 * 60_000);

  afterAll(async () => {
    await gateway?.stop();
    if (nginx !== undefined) stopPodNginx(nginx);
    await plane?.stop();
  });

  /** New rules on disk; the reload under test must make nginx serve them. */
  const editRules = (broken = false) => {
    generation += 1;
    writeFileSync(
      nginx.confPath,
      nginxConf(nginx, `location / { ${broken ? 'return_broken' : 'return'} 200 "generation ${generation}\\n"; }`),
    );
    return `generation ${generation}\n`;
  };

  describe.each([30, 31, 32, 33])('kubectl 1.%i', (minor) => {
    const kubectl = kubectlOfMinor(minor);
    const exec = (args: string[], input?: Buffer) =>
      run(kubectl!, ['--server', server, '--token', gateway.token(), '--certificate-authority', gateway.caFile, '-n', ns, ...args], {
        env: { HOME: plane.dir, KUBECONFIG: '/dev/null' },
        ...(input === undefined ? {} : { input }),
      });

    it.skipIf(kubectl === undefined)('runs kubectl exec --server --token POD -- nginx -s reload', async () => {
      const expected = editRules();
      const result = await exec(['exec', pod, '--', 'nginx', '-s', 'reload']);
      expect(result.code, result.stderr).toBe(0);
      expect(await eventually(nginx.port, expected)).toBe(expected);
    });

    it.skipIf(kubectl === undefined)('lists the pods with kubectl get, the Table coming from the API server', async () => {
      const result = await exec(['get', 'pods', '-l', 'app.kubernetes.io/component=controller']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.toString()).toMatch(new RegExp(`^NAME +READY +STATUS +RESTARTS +AGE\\n${pod} +1/1 +Running +0 +\\S+\\n$`));
    });

    it.skipIf(kubectl === undefined)('reads output, stdin byte-exact and a failing exit status', async () => {
      const input = randomBytes(256 * 1024);
      const piped = await exec(['exec', '-i', pod, '--', 'sha256sum'], input);
      expect(piped.code, piped.stderr).toBe(0);
      expect(piped.stdout.toString()).toBe(`${createHash('sha256').update(input).digest('hex')}  -\n`);
      const served = await get(nginx.port);
      editRules(true);
      const failed = await exec(['exec', pod, '--', 'nginx', '-s', 'reload']);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain('unknown directive "return_broken"');
      expect(failed.stderr).toContain('command terminated with exit code 1');
      expect(await get(nginx.port)).toBe(served);
    });
  });

  /** curl's raw websocket upgrade, as the seed sends it; resolves with the 101's headers, the frames and curl's exit. */
  async function curlExec(url: string, token: string, ca: string, maxSeconds: number) {
    const query = 'command=nginx&command=-s&command=reload&stdout=true&stderr=true';
    const started = Date.now();
    const result = await run('curl', [
      '--http1.1',
      '-sS',
      '-i',
      '-N',
      '--max-time',
      String(maxSeconds),
      '--cacert',
      ca,
      '-H',
      'Connection: Upgrade',
      '-H',
      'Upgrade: websocket',
      '-H',
      'Sec-WebSocket-Version: 13',
      '-H',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      '-H',
      'Sec-WebSocket-Protocol: v4.channel.k8s.io',
      '-H',
      `Authorization: Bearer ${token}`,
      `${url}/api/v1/namespaces/${ns}/pods/${pod}/exec?${query}`,
    ]);
    const raw = result.stdout;
    const headerEnd = raw.indexOf('\r\n\r\n');
    const frames = parseFrames(raw.subarray(headerEnd + 4));
    const channel = (n: number) =>
      Buffer.concat(frames.filter((f) => f.opcode === 2 && f.payload[0] === n).map((f) => f.payload.subarray(1))).toString();
    return {
      head: raw.subarray(0, headerEnd).toString(),
      frames,
      channel,
      code: result.code,
      stderr: result.stderr,
      ms: Date.now() - started,
    };
  }

  let curled: Awaited<ReturnType<typeof curlExec>> | undefined;

  it('answers curl’s raw websocket upgrade (v4.channel.k8s.io) with the reload’s output and status', async () => {
    const expected = editRules();
    curled = await curlExec(server, gateway.token(), gateway.caFile, 5);
    expect(curled.head).toMatch(/^HTTP\/1\.1 101 /);
    expect(curled.head.toLowerCase()).toContain('sec-websocket-protocol: v4.channel.k8s.io');
    expect(JSON.parse(curled.channel(3))).toMatchObject({ status: 'Success' });
    expect(curled.channel(2)).not.toContain('emerg');
    expect(curled.frames.at(-1)?.opcode).toBe(8);
    expect(await eventually(nginx.port, expected)).toBe(expected);
  });

  it('lets curl finish as soon as the exec has, as the API server itself does', async () => {
    // The API server closes the connection right after its close frame.
    const direct = await curlExec(plane.url, plane.tokens.gateway, plane.pki.caCert, 5);
    expect(JSON.parse(direct.channel(3))).toMatchObject({ status: 'Success' });
    expect(direct.code).toBe(0);
    expect(direct.ms).toBeLessThan(4000);
  });

  // curl never answers a close frame: the gateway, like the API server, ends
  // the connection once its own close frame has left.
  it('ends curl’s connection after its close frame, as the API server does', () => {
    expect(curled?.code).toBe(0);
    expect(curled?.ms).toBeLessThan(4000);
  });

  it(
    'runs the Java client’s Exec.exec, wrapped to return {success, data}',
    async () => {
      const java = await javaClient();
      const expected = editRules();
      const reload = await run(
        java[0]!,
        [...java.slice(1), server, gateway.caFile, ns, pod, 'controller', 'sh', '-c', 'nginx -s reload && echo reloaded'],
        { env: { KUBE_TOKEN: gateway.token() } },
      );
      expect(reload.code, reload.stderr).toBe(0);
      expect(JSON.parse(reload.stdout.toString())).toMatchObject({ success: true, data: 'reloaded\n', exitCode: 0 });
      expect(await eventually(nginx.port, expected)).toBe(expected);

      editRules(true);
      const failed = await run(java[0]!, [...java.slice(1), server, gateway.caFile, ns, pod, 'controller', 'nginx', '-s', 'reload'], {
        env: { KUBE_TOKEN: gateway.token() },
      });
      const answer = JSON.parse(failed.stdout.toString()) as { success: boolean; exitCode: number; stderr: string };
      expect(answer).toMatchObject({ success: false, exitCode: 1 });
      expect(answer.stderr).toContain('unknown directive "return_broken"');
    },
    20 * 60_000,
  );

  it(
    'runs the Python client’s stream(connect_get_namespaced_pod_exec)',
    async () => {
      const python = await pythonClient();
      const expected = editRules();
      const reload = await run(
        python[0]!,
        [...python.slice(1), server, gateway.caFile, ns, pod, 'controller', 'sh', '-c', 'nginx -s reload && echo reloaded'],
        { env: { KUBE_TOKEN: gateway.token() } },
      );
      expect(reload.code, reload.stderr).toBe(0);
      expect(JSON.parse(reload.stdout.toString())).toMatchObject({ success: true, data: 'reloaded\n', exitCode: 0 });
      expect(await eventually(nginx.port, expected)).toBe(expected);

      editRules(true);
      const failed = await run(python[0]!, [...python.slice(1), server, gateway.caFile, ns, pod, 'controller', 'nginx', '-s', 'reload'], {
        env: { KUBE_TOKEN: gateway.token() },
      });
      const answer = JSON.parse(failed.stdout.toString()) as { success: boolean; exitCode: number; stderr: string };
      expect(answer).toMatchObject({ success: false, exitCode: 1 });
      expect(answer.stderr).toContain('unknown directive "return_broken"');
    },
    20 * 60_000,
  );
});
