// The page's built assets (dist/web/assets): their names carry a hash of
// their content, so a browser may keep them for good, and the build leaves a
// brotli and a gzip copy of each script and style sheet beside it, served to
// browsers that take them.
import { existsSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import express, { type Router } from 'express';

/** In our order of preference (the smaller first), whatever the browser's order. */
const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;
type Encoding = (typeof ENCODINGS)[number];
const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

/**
 * Serves the assets the build left, listed once at start: a name not in the
 * list (a page rebuilt while the gateway runs) falls through to the plain
 * static files.
 */
export function createAssetRoutes(webRoot: string): Router {
  const directory = join(webRoot, 'assets');
  const files = existsSync(directory) ? new Set(readdirSync(directory)) : new Set<string>();
  const assets = new Map<string, Encoding[]>();
  for (const name of files) {
    if (ENCODINGS.some((e) => name.endsWith(e.suffix))) continue;
    assets.set(
      name,
      ENCODINGS.filter((e) => files.has(name + e.suffix)),
    );
  }

  const router = express.Router();
  router.get('/assets/:name', (req, res, next) => {
    const name = req.params.name;
    const encodings = assets.get(name);
    if (encodings === undefined) {
      next();
      return;
    }
    const encoding = encodings.find((e) => req.acceptsEncodings(e.name) === e.name);
    res.type(extname(name));
    res.setHeader('Vary', 'Accept-Encoding');
    if (encoding !== undefined) res.setHeader('Content-Encoding', encoding.name);
    res.sendFile(
      join(directory, encoding === undefined ? name : name + encoding.suffix),
      { maxAge: ONE_YEAR_MS, immutable: true, lastModified: false, etag: false },
      (error) => {
        if (error !== undefined && !res.headersSent) next(error);
      },
    );
  });
  return router;
}
