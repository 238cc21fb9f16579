// Property-based fuzzing of what parses untrusted input: the control-message
// parser (browser → gateway), the server-message parser (gateway → page), and
// the channel codec (API server → gateway). Over 100 000 cases: no throw, a
// well-typed answer, nothing larger than what came in.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Channel, channelFrame, parseExecStatus, resizeFrame } from '../../server/exec/channels.js';
import { MAX_CONTROL_MESSAGE_LENGTH, MAX_TERMINAL_DIMENSION, parseClientMessage, parseServerMessage } from '../../shared/protocol.js';

/** Cases run, reported by the last test (docs/security.md quotes the total). */
let cases = 0;
const run = (property: fc.IProperty<never> | fc.IAsyncProperty<never>, numRuns: number) => {
  cases += numRuns;
  return fc.assert(property as fc.IProperty<unknown>, { numRuns });
};

const controlLike = fc.oneof(
  { arbitrary: fc.string({ maxLength: 200 }), weight: 4 },
  { arbitrary: fc.json(), weight: 4 },
  {
    arbitrary: fc
      .record(
        {
          type: fc.oneof(
            fc.constantFrom('resize', 'eof', 'pause', 'resume', 'token', 'exit', '__proto__', 'constructor'),
            fc.string({ maxLength: 20 }),
          ),
          cols: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 5 }), fc.constant(null)),
          rows: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 5 }), fc.constant(null)),
          token: fc.oneof(fc.string({ maxLength: 100 }), fc.integer()),
        },
        { requiredKeys: ['type'] },
      )
      .map((o) => JSON.stringify(o)),
    weight: 4,
  },
  // Around the length limit, where an off-by-one would hide.
  {
    arbitrary: fc.integer({ min: -5, max: 5 }).map((d) => `{"type":"eof","pad":"${'x'.repeat(MAX_CONTROL_MESSAGE_LENGTH - 25 + d)}"}`),
    weight: 1,
  },
);

describe('fuzzing', () => {
  it('parseClientMessage never throws and returns only well-formed messages (60 000 cases)', () => {
    run(
      fc.property(controlLike, (text) => {
        const result = parseClientMessage(text);
        if (!result.ok) {
          expect(typeof result.reason).toBe('string');
          expect(result.reason.length).toBeLessThan(200);
          return;
        }
        const message = result.value;
        switch (message.type) {
          case 'resize':
            expect(Number.isInteger(message.cols) && message.cols >= 1 && message.cols <= MAX_TERMINAL_DIMENSION).toBe(true);
            expect(Number.isInteger(message.rows) && message.rows >= 1 && message.rows <= MAX_TERMINAL_DIMENSION).toBe(true);
            expect(Object.keys(message).sort()).toEqual(['cols', 'rows', 'type']);
            break;
          case 'token':
            expect(typeof message.token).toBe('string');
            expect(message.token.length).toBeGreaterThan(0);
            break;
          default:
            expect(Object.keys(message)).toEqual(['type']);
            expect(['eof', 'pause', 'resume']).toContain(message.type);
        }
      }) as never,
      60_000,
    );
  });

  it('parseServerMessage never throws (15 000 cases)', () => {
    run(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.json()), (text) => {
        const result = parseServerMessage(text);
        if (result.ok) expect(['exit', 'error', 'session', 'notice']).toContain(result.value.type);
      }) as never,
      15_000,
    );
  });

  it('channelFrame round-trips any channel and payload, adding exactly one byte (10 000 cases)', () => {
    run(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 4096 }), (channel, payload) => {
        const frame = channelFrame(channel, payload);
        expect(frame.length).toBe(payload.length + 1);
        expect(frame[0]).toBe(channel);
        expect(Buffer.compare(frame.subarray(1), Buffer.from(payload))).toBe(0);
      }) as never,
      10_000,
    );
  });

  it('resizeFrame writes the size the API server reads (5 000 cases)', () => {
    run(
      fc.property(
        fc.integer({ min: 1, max: MAX_TERMINAL_DIMENSION }),
        fc.integer({ min: 1, max: MAX_TERMINAL_DIMENSION }),
        (cols, rows) => {
          const frame = resizeFrame(cols, rows);
          expect(frame[0]).toBe(Channel.Resize);
          expect(JSON.parse(frame.subarray(1).toString())).toEqual({ Width: cols, Height: rows });
        },
      ) as never,
      5_000,
    );
  });

  it('parseExecStatus never throws on any bytes or any JSON, and an exit code stays in 0–255 or is refused (20 000 cases)', () => {
    const statusLike = fc.oneof(
      fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
      fc.json().map((j) => Buffer.from(j)),
      fc
        .record({
          status: fc.constantFrom('Success', 'Failure', 'Other'),
          reason: fc.constantFrom('NonZeroExitCode', 'InternalError', 'x'),
          message: fc.string({ maxLength: 50 }),
          details: fc.record({
            causes: fc.array(
              fc.record({
                reason: fc.constantFrom('ExitCode', 'Other'),
                message: fc.oneof(fc.integer().map(String), fc.string({ maxLength: 8 })),
              }),
              { maxLength: 3 },
            ),
          }),
        })
        .map((o) => Buffer.from(JSON.stringify(o))),
    );
    run(
      fc.property(statusLike, (payload) => {
        const status = parseExecStatus(payload);
        if (status.kind === 'exit') {
          expect(Number.isInteger(status.code)).toBe(true);
          expect(status.code).toBeGreaterThanOrEqual(0);
          expect(status.code).toBeLessThanOrEqual(255);
        } else {
          expect(typeof status.message).toBe('string');
          expect(status.message.length).toBeLessThanOrEqual(payload.length + 200);
        }
      }) as never,
      20_000,
    );
  });

  it('ran at least 100 000 cases', () => {
    expect(cases).toBeGreaterThanOrEqual(100_000);
    console.log(`fuzz: ${cases} cases`);
  });
});
