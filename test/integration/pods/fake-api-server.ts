// A fake API server for the pod endpoints: pods with a resourceVersion, the
// ephemeralcontainers PATCH (with a conflict, an old server, RBAC), and
// pods/log streamed as fast as the reader takes it. On 127.0.0.1 port 0.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServerCertificate } from '@webterm/local-cluster';

export interface FakeApiServer {
  url: string;
  caPem: string;
  /** The PATCH requests received: content type and parsed body. */
  patches: Array<{ pod: string; contentType: string; body: any }>;
  /** Log bytes written to the log request still open, and whether one is open. */
  log: { written: number; open: boolean; query: string };
  close(): Promise<void>;
}

const status = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  code,
});

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startFakeApiServer(): Promise<FakeApiServer> {
  const certificate = createServerCertificate('fake-api-ca');
  const pods = new Map<
    string,
    { rv: number; ephemeral: Array<{ name: string; tty: boolean; stdin: boolean; image: string }>; gets: number }
  >();
  const fake: FakeApiServer = {
    url: '',
    caPem: certificate.caPem,
    patches: [],
    log: { written: 0, open: false, query: '' },
    close: async () => undefined,
  };
  const podObject = (name: string) => {
    const pod = pods.get(name)!;
    const running = name !== 'stuck' && pod.gets > 1;
    return {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { name, namespace: 'default', resourceVersion: String(pod.rv) },
      spec: { containers: [{ name: 'app' }, { name: 'sidecar', tty: true }], ephemeralContainers: pod.ephemeral },
      status: {
        phase: 'Running',
        containerStatuses: [
          { name: 'app', ready: true, restartCount: 2, state: { running: {} } },
          { name: 'sidecar', ready: true, restartCount: 1, state: { running: {} } },
        ],
        ephemeralContainerStatuses: pod.ephemeral.map((c) => ({
          name: c.name,
          state: running
            ? { running: { startedAt: '2026-11-30T00:00:00Z' } }
            : { waiting: { reason: 'ErrImagePull', message: 'pull access denied' } },
        })),
      },
    };
  };
  for (const name of ['app-0', 'conflicted', 'old', 'rbac', 'stuck']) pods.set(name, { rv: 100, ephemeral: [], gets: 0 });

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? '/', 'https://fake');
    const match = /^\/api\/v1\/namespaces\/default\/pods(?:\/([^/]+)(?:\/([^/]+))?)?$/.exec(url.pathname);
    if (match === null) return send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const [, name, subresource] = match;
    if (name === undefined)
      return send(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [...pods.keys()].map(podObject) });
    if (subresource === 'log') {
      if (name === 'never')
        return send(res, 400, status(400, 'BadRequest', `container "app" in pod "never" is waiting to start: ContainerCreating`));
      fake.log = { written: 0, open: true, query: url.search };
      req.socket.once('close', () => (fake.log.open = false));
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('first line\n');
      fake.log.written += 11;
      if (url.searchParams.get('follow') !== 'true') return res.end('last line\n');
      // Written as fast as the reader takes it: only TCP backpressure holds it back.
      const line = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (fake.log.open && res.write(line)) fake.log.written += line.length;
        if (fake.log.open) {
          fake.log.written += line.length;
          res.once('drain', pump);
        }
      };
      setTimeout(pump, 200);
      return;
    }
    const pod = pods.get(name);
    if (pod === undefined)
      return send(res, 404, { ...status(404, 'NotFound', `pods "${name}" not found`), details: { name, kind: 'pods' } });
    if (subresource === undefined && req.method === 'GET') {
      pod.gets += 1;
      return send(res, 200, podObject(name));
    }
    if (subresource === 'ephemeralcontainers' && req.method === 'PATCH') {
      const patch = JSON.parse(body);
      fake.patches.push({ pod: name, contentType: req.headers['content-type'] ?? '', body: patch });
      if (name === 'old') return send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
      if (name === 'rbac') {
        return send(
          res,
          403,
          status(
            403,
            'Forbidden',
            `pods "rbac" is forbidden: User "gateway" cannot patch resource "pods/ephemeralcontainers" in API group "" in the namespace "default"`,
          ),
        );
      }
      // Someone else changed the pod once while the first PATCH was on its way.
      if (name === 'conflicted' && pod.rv === 100) pod.rv = 101;
      if (patch.metadata?.resourceVersion !== String(pod.rv)) {
        return send(
          res,
          409,
          status(
            409,
            'Conflict',
            `Operation cannot be fulfilled on pods "${name}": the object has been modified; please apply your changes to the latest version and try again`,
          ),
        );
      }
      pod.rv += 1;
      pod.ephemeral.push(...patch.spec.ephemeralContainers);
      pod.gets = 0;
      return send(res, 200, podObject(name));
    }
    return send(res, 405, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
  };

  const server: Server = createServer({ cert: certificate.certPem, key: certificate.keyPem }, (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
