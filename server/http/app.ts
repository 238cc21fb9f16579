// The HTTP application: health, the REST API, the page, and JSON errors.
import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { parseAllowedOrigin } from '../core/allowed-origin.js';
import { GatewayError, toGatewayError } from '../errors.js';
import { requestDeadline } from './request-deadline.js';
import { sendError } from './respond.js';
import { authMiddleware, createRestRoutes } from './rest-routes.js';
import type { GatewayServices } from '../services.js';
import { createAssetRoutes } from './static-assets.js';
import type { Router } from 'express';

export interface AppOptions {
  /** The built page (dist/web); the page routes answer 503 until it is built. */
  webRoot: string;
  /** Whether the gateway serves: /readyz answers 503 while this is false. */
  isReady(): boolean;
  /** More routers mounted under /api after authentication (actions, kubeconfig…). */
  apiRouters?: Router[];
  /** Routers under /api after authentication that read the request body themselves (file uploads). */
  streamRouters?: Router[];
  /** Routers mounted at the top, before the page (metrics, kubectl…). */
  topRouters?: Router[];
  /** More pages, served with the page's security headers (the recording player). */
  pageRouters?: Router[];
  /** A REST request refused for its token (for the audit log). */
  onAuthRefused?(req: IncomingMessage, error: GatewayError): void;
  /** Largest JSON request body. */
  bodyLimitBytes?: number;
}

/** The Content-Security-Policy of the page: framing only by the allowed portals. */
export function contentSecurityPolicy(allowedOrigins: readonly string[]): string {
  const ancestors = ["'self'", ...allowedOrigins.flatMap((entry) => parseAllowedOrigin(entry)?.source ?? [])].join(' ');
  return [
    "default-src 'self'",
    "script-src 'self'",
    // xterm.js positions its rows with inline style attributes.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    `frame-ancestors ${ancestors}`,
  ].join('; ');
}

/** An ordinary request (headers and a JSON body of at most 64 KiB) must arrive within this. */
const REQUEST_DEADLINE_MS = 60_000;
/** A file upload may take as long as it keeps sending; it is cut after this long without a byte. */
const UPLOAD_IDLE_MS = 60_000;

export function createApp(services: GatewayServices, logger: Logger, options: AppOptions) {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(
    requestDeadline({
      wholeRequestMs: REQUEST_DEADLINE_MS,
      uploadIdleMs: UPLOAD_IDLE_MS,
      isUpload: (req) => req.method === 'PUT' && /\/files(\?|$)/.test(req.url ?? ''),
    }),
  );
  const csp = contentSecurityPolicy(services.config.auth.allowedOrigins);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const ready = options.isReady();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'draining' });
  });

  for (const router of options.topRouters ?? []) app.use(router);

  const api = express.Router();
  api.use(authMiddleware(services.authenticate, options.onAuthRefused));
  for (const router of options.streamRouters ?? []) api.use(router);
  api.use(express.json({ limit: options.bodyLimitBytes ?? 64 * 1024, strict: true }));
  api.use(createRestRoutes(services));
  for (const router of options.apiRouters ?? []) api.use(router);
  api.use((req, _res, next) => next(new GatewayError('not_found', `no API endpoint ${req.method} ${req.path}`)));
  app.use(
    '/api',
    (_req, res, next) => {
      res.setHeader('Cache-Control', 'no-store');
      next();
    },
    api,
  );

  app.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  for (const router of options.pageRouters ?? []) app.use(router);
  if (existsSync(options.webRoot)) {
    app.use(createAssetRoutes(options.webRoot));
    app.use(express.static(options.webRoot, { index: 'index.html', fallthrough: true, maxAge: 0 }));
  } else {
    app.get('/', (_req, res) => {
      res.status(503).type('text/plain').send('The page is not built: run `npm run build:web` (npm start builds it).\n');
    });
  }
  app.use((req, _res, next) => next(new GatewayError('not_found', `nothing at ${req.method} ${req.path}`)));

  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    sendError(res, toHttpError(error, logger));
  });
  return app;
}

/** body-parser failures and everything thrown become a GatewayError with a safe message. */
function toHttpError(error: unknown, logger: Logger): GatewayError {
  if (error instanceof GatewayError) return error;
  const type = (error as { type?: unknown }).type;
  if (type === 'entity.too.large') return new GatewayError('payload_too_large', 'request body is too large', { cause: error });
  if (type === 'entity.parse.failed') return new GatewayError('bad_request', 'request body is not valid JSON', { cause: error });
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new GatewayError('bad_request', 'request body encoding is not supported', { cause: error });
  }
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new GatewayError('bad_request', 'bad request', { cause: error, status });
  }
  logger.error({ err: error }, 'unexpected error in a request');
  return toGatewayError(error);
}
