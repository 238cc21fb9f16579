// A pod's own nginx on the test node: Debian's nginx with a prefix of its own,
// started as a daemon on a free loopback port, and an `nginx` wrapper first on
// the container's PATH so `nginx -t` and `nginx -s reload` in the pod act on it.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { freePort } from '@webterm/local-cluster/free-port';

export const NGINX = '/usr/sbin/nginx';

export interface PodNginx {
  name: string;
  port: number;
  prefix: string;
  confPath: string;
  /** The container env that puts the wrapper first on PATH. */
  env: Record<string, string>;
}

const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;

export function nginxConf(
  nginx: { prefix: string; port: number; name: string },
  body = `location / { return 200 "${nginx.name}\\n"; }`,
): string {
  return `pid ${nginx.prefix}/logs/nginx.pid;
worker_processes 1;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path ${nginx.prefix}/temp/body;
    proxy_temp_path ${nginx.prefix}/temp/proxy;
    fastcgi_temp_path ${nginx.prefix}/temp/fastcgi;
    uwsgi_temp_path ${nginx.prefix}/temp/uwsgi;
    scgi_temp_path ${nginx.prefix}/temp/scgi;
    server {
        listen 127.0.0.1:${nginx.port};
        ${body}
    }
}
`;
}

export async function startPodNginx(root: string, name: string): Promise<PodNginx> {
  const prefix = join(root, 'pods', name, 'nginx');
  for (const sub of ['conf', 'logs', 'temp', '../bin']) mkdirSync(join(prefix, sub), { recursive: true });
  const port = await freePort();
  const confPath = join(prefix, 'conf', 'nginx.conf');
  writeFileSync(confPath, nginxConf({ prefix, port, name }));
  const args = ['-p', `${prefix}/`, '-c', confPath, '-e', join(prefix, 'logs', 'error.log')];
  const wrapper = join(prefix, '..', 'bin', 'nginx');
  writeFileSync(wrapper, `#!/bin/sh\nexec ${quote(NGINX)} ${args.map(quote).join(' ')} "$@"\n`);
  chmodSync(wrapper, 0o755);
  execFileSync(NGINX, args, { timeout: 10_000 });
  return { name, port, prefix, confPath, env: { PATH: `${join(prefix, '..', 'bin')}:/usr/sbin:/usr/bin:/sbin:/bin` } };
}

export function nginxMasterPid(nginx: PodNginx): number | undefined {
  const file = join(nginx.prefix, 'logs', 'nginx.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/** SIGKILL for the master and its workers (the daemonised master leads their process group). */
export function stopPodNginx(nginx: PodNginx): void {
  const pid = nginxMasterPid(nginx);
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The body nginx answers on `port` for `/`. */
export function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

/** nginx reloads asynchronously (old workers finish while new ones start): the answer once it is `expected`, or the last one after 5 s. */
export async function eventually(port: number, expected: string): Promise<string> {
  const deadline = Date.now() + 5000;
  let answer = '';
  while (Date.now() < deadline) {
    answer = await get(port).catch((error: Error) => `request failed: ${error.message}`);
    if (answer === expected) return answer;
    await new Promise((r) => setTimeout(r, 50));
  }
  return answer;
}
