// A pod's own real nginx (Debian's package): its prefix, config, pid file and
// loopback port, so `nginx -t` and `nginx -s reload` inside the pod act on it.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const NGINX_BINARY = '/usr/sbin/nginx';

export interface PodNginx {
  port: number;
  prefix: string;
  /** The nginx.conf this pod's nginx reads; edit it, then reload from inside the pod. */
  confPath: string;
}

export function nginxInstalled(): boolean {
  return existsSync(NGINX_BINARY);
}

/** A free port on 127.0.0.1 (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The arguments that point nginx at the pod's prefix; the wrapper adds the caller's. */
export function nginxArgs(prefix: string): string[] {
  return ['-p', `${prefix}/`, '-c', join(prefix, 'conf', 'nginx.conf'), '-e', join(prefix, 'logs', 'error.log')];
}

function defaultConf(prefix: string, port: number, podName: string): string {
  return `# nginx of pod ${podName} (embedded local cluster)
pid ${prefix}/logs/nginx.pid;
worker_processes 1;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path ${prefix}/temp/body;
    proxy_temp_path ${prefix}/temp/proxy;
    fastcgi_temp_path ${prefix}/temp/fastcgi;
    uwsgi_temp_path ${prefix}/temp/uwsgi;
    scgi_temp_path ${prefix}/temp/scgi;
    server {
        listen 127.0.0.1:${port};
        location / { return 200 "${podName}\\n"; }
    }
}
`;
}

/** Lays out the prefix with a default config and starts nginx as a daemon. */
export async function startPodNginx(prefix: string, podName: string): Promise<PodNginx> {
  for (const dir of ['conf', 'logs', 'temp']) mkdirSync(join(prefix, dir), { recursive: true });
  const port = await freePort();
  const confPath = join(prefix, 'conf', 'nginx.conf');
  writeFileSync(confPath, defaultConf(prefix, port, podName));
  // Returns once the master has daemonised and written its pid file.
  await run(NGINX_BINARY, [...nginxArgs(prefix)], { timeout: 10_000 });
  return { port, prefix, confPath };
}

/** Stops the pod's nginx at once (SIGTERM to the master, which ends its workers). */
export function stopPodNginx(nginx: PodNginx): void {
  try {
    const pid = Number(readFileSync(join(nginx.prefix, 'logs', 'nginx.pid'), 'utf8').trim());
    if (Number.isInteger(pid) && pid > 1) process.kill(pid, 'SIGTERM');
  } catch {
    // Not running (never started, or already gone).
  }
}

/** The `nginx` on the pod's PATH: the real binary pointed at the pod's prefix. */
export function nginxWrapperScript(prefix: string | undefined): string {
  if (prefix === undefined) {
    return '#!/bin/sh\necho "nginx is not installed on this machine (the local cluster runs Debian\'s /usr/sbin/nginx)" >&2\nexit 127\n';
  }
  const args = nginxArgs(prefix).map((a) => `'${a}'`).join(' ');
  return `#!/bin/sh\nexec ${NGINX_BINARY} ${args} "$@"\n`;
}
