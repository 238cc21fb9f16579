// Recordings over HTTP: the list and the .cast files for those allowed to
// see them (the session's own user, and whoever a policy rule grants
// `recordings` on its cluster and namespace), and the player page.
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordingList } from '../../shared/api.js';
import express, { type Router } from 'express';
import type { Principal } from '../core/principal.js';
import type { RecordingConfig } from '../config/index.js';
import { GatewayError } from '../errors.js';
import { principalOf } from '../core/principal.js';
import type { GatewayServices } from '../services.js';
import { isSessionId } from '../exec/session-id.js';
import { castPath, metadataPath, type RecordingMetadata } from './recorder.js';

/** Recordings listed at most, newest first. */
const MAX_LISTED = 500;

function mayWatch(services: GatewayServices, principal: Principal, recording: RecordingMetadata): boolean {
  if (recording.user === principal.sub) return true;
  return services.policy.decide(principal, { cluster: recording.cluster, namespace: recording.namespace }, 'recordings').allowed;
}

async function readMetadata(directory: string, id: string): Promise<RecordingMetadata | undefined> {
  try {
    return JSON.parse(await readFile(metadataPath(directory, id), 'utf8')) as RecordingMetadata;
  } catch {
    return undefined;
  }
}

function enabled(config: RecordingConfig | undefined): RecordingConfig {
  if (config === undefined) throw new GatewayError('not_found', 'session recording is not enabled on this gateway');
  return config;
}

/** `GET /recordings` and `GET /recordings/{id}`, mounted under /api after authentication. */
export function createRecordingApi(services: GatewayServices, config: RecordingConfig | undefined): Router {
  const router = express.Router();

  router.get('/recordings', async (_req, res) => {
    const { directory } = enabled(config);
    const principal = principalOf(res);
    const names = await readdir(directory).catch(() => [] as string[]);
    const ids = names
      .filter((name) => name.endsWith('.json'))
      .map((name) => name.slice(0, -'.json'.length))
      .filter(isSessionId);
    const all = await Promise.all(ids.map((id) => readMetadata(directory, id)));
    const items = all
      .filter((r): r is RecordingMetadata => r !== undefined && mayWatch(services, principal, r))
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
      .slice(0, MAX_LISTED);
    res.json({ items } satisfies RecordingList);
  });

  router.get('/recordings/:id', async (req, res) => {
    const { directory } = enabled(config);
    const id = req.params.id;
    if (!isSessionId(id)) throw new GatewayError('bad_request', 'a recording id is a session id (a UUID)');
    const metadata = await readMetadata(directory, id);
    if (metadata === undefined) throw new GatewayError('not_found', `there is no recording ${id}`);
    const principal = principalOf(res);
    if (!mayWatch(services, principal, metadata)) {
      throw new GatewayError(
        'forbidden',
        `user "${principal.sub}" may not watch recordings in namespace "${metadata.namespace}" of cluster "${metadata.cluster}"`,
      );
    }
    res.setHeader('Content-Type', 'application/x-asciicast; charset=utf-8');
    res.setHeader('Content-Disposition', `inline; filename="${id}.cast"`);
    await new Promise<void>((resolve, reject) => {
      const stream = createReadStream(castPath(directory, id));
      stream.once('error', (error) => reject(new GatewayError('not_found', `the recording ${id} cannot be read`, { cause: error })));
      stream.once('end', () => resolve());
      stream.pipe(res);
    });
  });

  return router;
}

/**
 * `GET /recordings/{id}`: the player page. It is the built recording.html with
 * a `<base>` one level up, so its relative asset and API paths work under any
 * path prefix; the page asks the API for the recording with the user's token.
 */
export function createRecordingPage(webRoot: string, contentSecurityPolicy: string): Router {
  const router = express.Router();
  // The player compiles WebAssembly, and the page needs its <base>.
  const csp = contentSecurityPolicy
    .replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'")
    .replace("base-uri 'none'", "base-uri 'self'");
  let page: Promise<string> | undefined;
  router.get('/recordings/:id', async (_req, res) => {
    page ??= readFile(join(webRoot, 'recording.html'), 'utf8').then((html) => html.replace('<head>', '<head>\n    <base href="../" />'));
    let html: string;
    try {
      html = await page;
    } catch (error) {
      page = undefined;
      throw new GatewayError('not_found', 'the player page is not built: run `npm run build:web`', { cause: error });
    }
    res.setHeader('Content-Security-Policy', csp);
    res.type('html').send(html);
  });
  return router;
}
