// What the page reads as "this container has no shell", and how a debug
// container is addressed and listed.
import { describe, expect, it } from 'vitest';
import { containerLabel } from '../../../web/src/pickers.js';
import { isNoShell } from '../../../web/src/session-control.js';
import { execUrl } from '../../../web/src/exec-url.js';

describe('isNoShell', () => {
  const error = (message: string, code?: string) => ({ kind: 'error' as const, status: 500, message, ...(code ? { code } : {}) });

  it('is the cluster saying sh cannot be found, as runc and the local cluster put it', () => {
    const runc =
      'error executing command in container: failed to exec in container: failed to start exec "0c1d": OCI runtime exec failed: exec failed: unable to start container process: exec: "sh": executable file not found in $PATH: unknown';
    expect(isNoShell(error(runc, 'exec_failed'))).toBe(true);
    expect(isNoShell(error('exec: "sh": executable file not found in $PATH'))).toBe(true);
  });

  it('is not another failure: a missing pod, a refusal, a lost connection', () => {
    expect(isNoShell(error('pods "x" not found', 'not_found'))).toBe(false);
    expect(isNoShell({ kind: 'error', status: 403, message: 'forbidden', code: 'forbidden' })).toBe(false);
    expect(isNoShell({ kind: 'closed', reason: 'the connection was lost' })).toBe(false);
  });
});

describe('debug containers', () => {
  it('are marked in the container picker', () => {
    expect(containerLabel({ name: 'debugger-x7k2p', ephemeral: true })).toBe('debugger-x7k2p (debug)');
    expect(containerLabel({ name: 'app', ephemeral: false })).toBe('app');
    expect(containerLabel({ name: 'debugger-x7k2p', ephemeral: true, running: false })).toBe('debugger-x7k2p (debug, ended)');
  });

  it('are attached to, with no command', () => {
    const target = { cluster: 'local', namespace: 'default', pod: 'distroless-0', container: 'debugger-x7k2p', command: ['sh'] };
    expect(execUrl({ ...target, attach: true }, 'http://127.0.0.1:8080/')).toBe(
      'ws://127.0.0.1:8080/api/clusters/local/namespaces/default/pods/distroless-0/attach?container=debugger-x7k2p',
    );
    expect(execUrl(target, 'https://gw.example.com/')).toBe(
      'wss://gw.example.com/api/clusters/local/namespaces/default/pods/distroless-0/exec?container=debugger-x7k2p&command=sh',
    );
  });
});
