// Where recordings go: one `<session id>.cast` per recorded session in
// recording.directory, with `<session id>.json` beside it saying whose
// session it was (the routes authorise by it). Both are readable by the
// gateway's user only.
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { RecordingConfig } from '../config/index.js';
import { GatewayError } from '../errors.js';
import { isSessionId } from '../exec/session-id.js';
import type { RecordedSession, RecordingStarter, SessionRecording } from './recording.js';
import { AsciicastWriter } from './asciicast.js';

/** What the sidecar file holds. */
export type RecordingMetadata = Omit<RecordedSession, 'sessionId' | 'command'> & {
  id: string;
  command: string[];
  startedAt: string;
  endedAt?: string;
};

export function castPath(directory: string, id: string): string {
  return join(directory, `${id}.cast`);
}

export function metadataPath(directory: string, id: string): string {
  return join(directory, `${id}.json`);
}

export function createRecorder(config: RecordingConfig, logger: Logger): RecordingStarter {
  const { directory } = config;
  return {
    async start(meta): Promise<SessionRecording> {
      if (!isSessionId(meta.sessionId)) throw new GatewayError('internal', 'a recording needs a session id');
      const { sessionId, cols, rows, startedAt, ...session } = meta;
      const metadata: RecordingMetadata = { id: sessionId, ...session, command: [...session.command], startedAt: startedAt.toISOString() };
      const path = castPath(directory, sessionId);
      const sidecar = metadataPath(directory, sessionId);
      try {
        await mkdir(directory, { recursive: true, mode: 0o700 });
        await writeFile(sidecar, JSON.stringify(metadata), { mode: 0o600, flag: 'wx' });
        const file = await open(path, 'wx', 0o600);
        const where = [
          session.cluster,
          session.namespace,
          session.pod,
          ...(session.container === undefined ? [] : [session.container]),
        ].join('/');
        const writer = new AsciicastWriter(path, file, {
          width: cols,
          height: rows,
          timestamp: Math.floor(startedAt.getTime() / 1000),
          title: `${session.user} in ${where}`,
        });
        return {
          path,
          output: (data) => writer.output(data),
          resize: (cols, rows) => writer.resize(cols, rows),
          onError: (listener) => writer.onError(listener),
          async close() {
            await writer.close();
            // The end time, for the list of recordings; a failure here loses nothing of the session.
            await writeFile(sidecar, JSON.stringify({ ...metadata, endedAt: new Date().toISOString() }), { mode: 0o600 }).catch(
              (error: unknown) => logger.warn({ err: error, sessionId }, 'the end time of a recording could not be written'),
            );
          },
        };
      } catch (error) {
        throw new GatewayError(
          'recording_failed',
          `the recording cannot be written in ${directory}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
          { cause: error },
        );
      }
    },
  };
}
