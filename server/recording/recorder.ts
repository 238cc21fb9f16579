// Where recordings go: one `<session id>.cast` per recorded session in
// recording.directory, with `<session id>.json` beside it saying whose
// session it was (the routes authorise by it). Both are readable by the
// gateway's user only.
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { RecordingConfig } from '../config.js';
import { GatewayError } from '../errors.js';
import type { RecordingStarter, SessionRecording } from '../http/terminal-upgrade.js';
import { AsciicastWriter } from './asciicast.js';

/** What the sidecar file holds. */
export interface RecordingMetadata {
  id: string;
  user: string;
  groups: string[];
  cluster: string;
  namespace: string;
  pod: string;
  container?: string;
  command: string[];
  startedAt: string;
  endedAt?: string;
}

export const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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
      if (!SESSION_ID.test(meta.sessionId)) throw new GatewayError('internal', 'a recording needs a session id');
      const metadata: RecordingMetadata = {
        id: meta.sessionId,
        user: meta.user,
        groups: meta.groups,
        cluster: meta.cluster,
        namespace: meta.namespace,
        pod: meta.pod,
        ...(meta.container === undefined ? {} : { container: meta.container }),
        command: [...meta.command],
        startedAt: meta.startedAt.toISOString(),
      };
      const path = castPath(directory, meta.sessionId);
      try {
        await mkdir(directory, { recursive: true, mode: 0o700 });
        await writeFile(metadataPath(directory, meta.sessionId), JSON.stringify(metadata), { mode: 0o600, flag: 'wx' });
        const file = await open(path, 'wx', 0o600);
        const writer = new AsciicastWriter(path, file, {
          width: meta.cols,
          height: meta.rows,
          timestamp: Math.floor(meta.startedAt.getTime() / 1000),
          title: `${meta.user} in ${meta.cluster}/${meta.namespace}/${meta.pod}${meta.container === undefined ? '' : `/${meta.container}`}`,
        });
        return {
          path,
          output: (data) => writer.output(data),
          resize: (cols, rows) => writer.resize(cols, rows),
          onError: (listener) => writer.onError(listener),
          async close() {
            await writer.close();
            // The end time, for the list of recordings; a failure here loses nothing of the session.
            await writeFile(metadataPath(directory, meta.sessionId), JSON.stringify({ ...metadata, endedAt: new Date().toISOString() }), { mode: 0o600 }).catch(
              (error: unknown) => logger.warn({ err: error, sessionId: meta.sessionId }, 'the end time of a recording could not be written'),
            );
          },
        };
      } catch (error) {
        throw new GatewayError('recording_failed', `the recording cannot be written in ${directory}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error });
      }
    },
  };
}
