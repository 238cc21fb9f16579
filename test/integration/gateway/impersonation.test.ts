// impersonate: true sends the caller's identity to the cluster, so its RBAC
// and audit see the real person; without it, nothing of the caller is sent.
import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServerCertificate } from '@webterm/local-cluster';
import { openTerminal } from '../../helpers/terminal-client.js';
import { startStack, type Stack } from '../../helpers/stack.js';

let stack: Stack;
let recorder: Server;
const seen: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  const certificate = createServerCertificate('recorder-ca');
  // An API server that records the upgrade's headers and refuses it as RBAC would.
  recorder = createServer({ cert: certificate.certPem, key: certificate.keyPem });
  recorder.on('upgrade', (req, socket) => {
    seen.push(req.headers);
    const body = JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message: 'pods "shell-0" is forbidden: User "alice" cannot get resource "pods/exec"',
      reason: 'Forbidden',
      code: 403,
    });
    socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
  const server = `https://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
  stack = await startStack({
    clusters: [
      { name: 'as-user', server, token: 'gateway-sa-token-0123456789', caData: certificate.caPem, impersonate: true },
      { name: 'as-gateway', server, token: 'gateway-sa-token-0123456789', caData: certificate.caPem },
    ],
  });
});

afterAll(async () => {
  await stack?.stop();
  recorder?.close();
});

it('sends Impersonate-User and Impersonate-Group when the cluster asks for it, and shows the cluster refusal', async () => {
  const client = openTerminal(
    stack.wsUrl,
    { cluster: 'as-user', command: ['true'] },
    { token: stack.token({ sub: 'alice', groups: ['dev', 'ops'] }) },
  );
  expect((await client.closed).code).toBe(4403);
  expect(client.messages[0]).toMatchObject({
    type: 'error',
    status: 403,
    message: expect.stringContaining('cannot get resource "pods/exec"'),
  });
  const headers = seen.at(-1)!;
  expect(headers.authorization).toBe('Bearer gateway-sa-token-0123456789');
  expect(headers['impersonate-user']).toBe('alice');
  expect(headers['impersonate-group']).toBe('dev, ops');
  expect(headers['sec-websocket-protocol']).toBe('v5.channel.k8s.io,v4.channel.k8s.io');
});

it('sends nothing of the caller otherwise', async () => {
  const client = openTerminal(stack.wsUrl, { cluster: 'as-gateway', command: ['true'] }, { token: stack.token() });
  await client.closed;
  expect(seen.at(-1)!['impersonate-user']).toBeUndefined();
  expect(seen.at(-1)!['impersonate-group']).toBeUndefined();
});
