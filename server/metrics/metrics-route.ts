// GET /metrics: the Prometheus text format, optionally behind a bearer token
// of its own (a scraper is not a portal user and has no JWT).
import { timingSafeEqual } from 'node:crypto';
import express, { type Router } from 'express';
import { GatewayError } from '../errors.js';
import type { GatewayMetrics } from './metrics.js';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createMetricsRoute(metrics: GatewayMetrics, bearerToken: string | undefined): Router {
  const router = express.Router();
  router.get('/metrics', (req, res, next) => {
    if (bearerToken !== undefined) {
      const header = req.headers.authorization ?? '';
      const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
      if (!sameSecret(given, bearerToken)) {
        next(new GatewayError('unauthenticated', 'metrics need Authorization: Bearer <metrics.bearerToken>'));
        return;
      }
    }
    metrics.registry
      .metrics()
      .then((text) => {
        res.setHeader('Cache-Control', 'no-store');
        res.type(metrics.registry.contentType).send(text);
      })
      .catch(next);
  });
  return router;
}
