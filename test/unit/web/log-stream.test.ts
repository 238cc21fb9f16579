// openLogStream: the Logs view's reader of the gateway's streamed log, over a
// faked API (no browser, no network): lines cut as they come, and a pause
// that stops reading, so the source is asked for nothing more.
import { describe, expect, it } from 'vitest';
import { ApiError, type Api } from '../../../web/src/api.js';
import { openLogStream, plainLine } from '../../../web/src/log-stream.js';

const pod = { cluster: 'local', namespace: 'default', pod: 'distroless-0' };
const encoder = new TextEncoder();

function apiAnswering(body: ReadableStream<Uint8Array> | ApiError): Api {
  return {
    log: async () => {
      if (body instanceof ApiError) throw body;
      return new Response(body);
    },
  } as Partial<Api> as Api;
}

/** A source that makes one line each time it is read, a few ms apart, and counts the reads. */
function endlessSource() {
  let pulls = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        pulls += 1;
        await new Promise((resolve) => setTimeout(resolve, 2));
        controller.enqueue(encoder.encode(`line ${pulls}\n`));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulls: () => pulls };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
};

describe('openLogStream', () => {
  it('cuts the stream into lines, a line split across chunks included, then ends', async () => {
    const chunks = ['first li', 'ne\nsecond\r\n\x1b[31mred\x1b[0m\nlast without end'];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
        controller.close();
      },
    });
    const lines: string[] = [];
    let ended: unknown = 'not yet';
    openLogStream(apiAnswering(stream), pod, { follow: true }, { lines: (l) => lines.push(...l), ended: (e) => (ended = e) });
    await until(() => ended !== 'not yet');
    expect(ended).toBeUndefined();
    expect(lines).toEqual(['first line', 'second', 'red', 'last without end']);
  });

  it('reads nothing more while paused, and goes on from where it stopped on resume', async () => {
    const source = endlessSource();
    const lines: string[] = [];
    const log = openLogStream(
      apiAnswering(source.stream),
      pod,
      { follow: true },
      { lines: (l) => lines.push(...l), ended: () => undefined },
    );
    await until(() => lines.length >= 3);
    log.pause();
    // At most the read under way when it paused still lands.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [pulls, shown] = [source.pulls(), lines.length];
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(source.pulls()).toBe(pulls);
    expect(lines.length).toBe(shown);
    log.resume();
    await until(() => lines.length > shown + 2);
    expect(lines.slice(0, shown + 2)).toEqual(Array.from({ length: shown + 2 }, (_, i) => `line ${i + 1}`));
    log.dispose();
  });

  it('hands a refusal to ended, and says nothing once disposed', async () => {
    const refused = new ApiError(403, 'forbidden', 'user "olga" may not logs');
    let ended: unknown;
    openLogStream(apiAnswering(refused), pod, {}, { lines: () => undefined, ended: (e) => (ended = e) });
    await until(() => ended !== undefined);
    expect(ended).toBe(refused);

    let heard = false;
    const log = openLogStream(apiAnswering(endlessSource().stream), pod, {}, { lines: () => undefined, ended: () => (heard = true) });
    log.dispose();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(heard).toBe(false);
  });
});

describe('plainLine', () => {
  it('drops colour and title escapes and a carriage return', () => {
    expect(plainLine('\x1b[1;32mok\x1b[0m done\r')).toBe('ok done');
    expect(plainLine('\x1b]0;title\x07text')).toBe('text');
  });
});
