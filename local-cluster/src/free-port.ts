// A loopback port for a program that must be told its port (nginx, etcd,
// kube-apiserver): port 0 cannot be passed on, so the port is found free here
// and released before the program binds it. In between, the kernel may hand
// any port of its ephemeral range to an outgoing connection or a port-0
// listener on the machine; a port below that range is never handed out so.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const LOWEST = 10_000;
const TRIES = 50;

/** The first port of the kernel's ephemeral range (Linux; 32768 elsewhere). */
export function ephemeralPortStart(rangeFile = '/proc/sys/net/ipv4/ip_local_port_range'): number {
  try {
    const first = Number(readFileSync(rangeFile, 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > LOWEST ? first : 32_768;
  } catch {
    return 32_768;
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port on 127.0.0.1, below the ephemeral range, that nothing holds now. */
export async function freePort(): Promise<number> {
  const end = ephemeralPortStart();
  for (let i = 0; i < TRIES; i++) {
    const port = LOWEST + Math.floor(Math.random() * (end - LOWEST));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free loopback port found in ${TRIES} tries between ${LOWEST} and ${end - 1}`);
}
