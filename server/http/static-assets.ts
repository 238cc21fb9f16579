// The page's built assets (dist/web/assets): their names carry a hash of
// their content, so a browser may keep them for good, and the build leaves a
// brotli and a gzip copy of each beside it, served to browsers that take them.
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import express, { type Router } from 'express';

/** Vite's output names: `name-HASH.ext`, nothing that could leave the folder. */
const ASSET_NAME = /^[A-Za-z0-9_-]+\.[A-Za-z0-9.]+$/;
const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;
const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

export function createAssetRoutes(webRoot: string): Router {
  const directory = join(webRoot, 'assets');
  const router = express.Router();
  router.get('/assets/:name', (req, res, next) => {
    const name = req.params.name;
    const file = join(directory, name);
    if (!ASSET_NAME.test(name) || !existsSync(file)) {
      next();
      return;
    }
    // Ours is the order of preference (the smaller first), whatever the browser's order.
    const encoding = ENCODINGS.find((e) => req.acceptsEncodings(e.name) === e.name && existsSync(file + e.suffix));
    res.type(extname(name));
    res.setHeader('Vary', 'Accept-Encoding');
    if (encoding !== undefined) res.setHeader('Content-Encoding', encoding.name);
    res.sendFile(encoding === undefined ? file : file + encoding.suffix, { maxAge: ONE_YEAR_MS, immutable: true, lastModified: false, etag: false, dotfiles: 'deny' }, (error) => {
      if (error !== undefined && !res.headersSent) next(error);
    });
  });
  return router;
}
