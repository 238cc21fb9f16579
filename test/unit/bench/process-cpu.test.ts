import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { countCpuByRole } from '../../../bench/process-cpu.js';

/** Node code that spins for `ms` of wall time (so about as much CPU). */
const spin = (ms: number) => `const end = Date.now() + ${ms}; while (Date.now() < end);`;

describe.runIf(process.platform === 'linux')('CPU by part of a browser figure', () => {
  it("counts the runner's own CPU as the runner's, and what a local cluster's pod ran (ended too) as the pod's", async () => {
    const stop = countCpuByRole();
    // A process named like the bench's cluster child, with a pod's shell that runs a program, waits for it and stays.
    const shell = `"${process.execPath}" -e "${spin(400)}"; echo ended; sleep 30`;
    const cluster = spawn(
      process.execPath,
      ['-e', `require('node:child_process').spawn('sh', ['-c', process.argv[1]], { stdio: 'inherit' })`, shell, 'cluster-child.js'],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
        detached: true,
      },
    );
    const ended = once(cluster.stdout, 'data');
    new Function(spin(300))();
    await ended;
    const spent = stop()!;
    process.kill(-cluster.pid!, 'SIGKILL');
    expect(spent.pod).toBeGreaterThan(0.25);
    expect(spent['local cluster']).toBeLessThan(0.15);
    expect(spent['bench runner']).toBeGreaterThan(0.2);
    expect(spent.gateway).toBe(0);
  });
});
