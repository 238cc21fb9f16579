// The channel frames the gateway builds and the exec status it reads.
import { describe, expect, it } from 'vitest';
import { Channel, channelFrame, closeStdinSignal, parseExecStatus, resizeFrame } from '../../../server/exec/channels.js';

describe('frames', () => {
  it('puts the channel byte before the payload', () => {
    expect([...channelFrame(Channel.Stdin, Buffer.from('ab'))]).toEqual([0, 97, 98]);
  });

  it('writes resize as kubectl does: TerminalSize JSON on channel 4', () => {
    const frame = resizeFrame(120, 40);
    expect(frame[0]).toBe(4);
    expect(JSON.parse(frame.subarray(1).toString())).toEqual({ Width: 120, Height: 40 });
  });

  it('closes stdin with exactly [255, 0]', () => {
    expect([...closeStdinSignal()]).toEqual([255, 0]);
  });
});

describe('parseExecStatus', () => {
  const status = (value: unknown) => parseExecStatus(Buffer.from(JSON.stringify(value)));

  it('reads Success as exit 0', () => {
    expect(status({ metadata: {}, status: 'Success' })).toEqual({ kind: 'exit', code: 0 });
  });

  it('reads the ExitCode cause of NonZeroExitCode', () => {
    expect(
      status({
        metadata: {},
        status: 'Failure',
        message: 'command terminated with non-zero exit code',
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '3' }] },
      }),
    ).toEqual({ kind: 'exit', code: 3 });
  });

  it('treats another failure as a failure with its message', () => {
    expect(
      status({
        metadata: {},
        status: 'Failure',
        message: 'Internal error occurred: container not found',
        reason: 'InternalError',
        code: 500,
      }),
    ).toEqual({
      kind: 'failure',
      status: 502,
      reason: 'InternalError',
      message: 'Internal error occurred: container not found',
    });
  });

  it('does not trust an exit code out of range', () => {
    expect(
      status({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '999' }] } }).kind,
    ).toBe('failure');
  });

  it('survives a status that is not JSON', () => {
    expect(parseExecStatus(Buffer.from('not json')).kind).toBe('failure');
  });
});
