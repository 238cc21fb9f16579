// File transfers (verb `files`): GET downloads a file or a directory as tar,
// PUT uploads the raw body. Mounted before the JSON body parser, so a body is
// never read as JSON; every transfer writes one audit line.
import { Router, type Request, type Response } from 'express';
import type { FileUploadResult } from '../../shared/api.js';
import type { AuditLog } from '../audit/audit-log.js';
import { principalOf } from '../core/principal.js';
import { toGatewayError, type GatewayError } from '../errors.js';
import { parseFilePath } from '../files/file-path.js';
import type { FileTarget } from '../files/file-exec.js';
import { downloadFile, uploadFile } from '../files/transfer.js';
import type { GatewayServices } from '../services.js';

const FILES_PATH = '/clusters/:cluster/namespaces/:namespace/pods/:pod/files';

function targetOf(req: Request): FileTarget {
  const container = typeof req.query.container === 'string' && req.query.container !== '' ? req.query.container : undefined;
  const params = req.params as Record<string, string | undefined>;
  return { cluster: params.cluster ?? '', namespace: params.namespace ?? '', pod: params.pod ?? '', container };
}

export function createFileRoutes(services: GatewayServices, audit: AuditLog): Router {
  const router = Router();

  router.get(FILES_PATH, async (req: Request, res: Response) => {
    const principal = principalOf(res);
    const target = targetOf(req);
    const file = parseFilePath(req.query.path);
    try {
      const result = await downloadFile(services, principal, target, file, res);
      audit.fileTransfer({ event: 'files.download', principal, target, ...result });
    } catch (error) {
      throw refused(audit, 'files.download', principal, target, file.path, toGatewayError(error));
    }
  });

  router.put(FILES_PATH, async (req: Request, res: Response) => {
    const principal = principalOf(res);
    const target = targetOf(req);
    const file = parseFilePath(req.query.path);
    try {
      const result = await uploadFile(services, principal, target, file, req);
      audit.fileTransfer({ event: 'files.upload', principal, target, ...result });
      const body: FileUploadResult = result;
      res.status(201).json(body);
    } catch (error) {
      // An unread body would be taken for the next request: answer and close.
      res.setHeader('Connection', 'close');
      throw refused(audit, 'files.upload', principal, target, file.path, toGatewayError(error));
    }
  });

  return router;
}

function refused(
  audit: AuditLog,
  event: 'files.upload' | 'files.download',
  principal: ReturnType<typeof principalOf>,
  target: FileTarget,
  path: string,
  failure: GatewayError,
): GatewayError {
  audit.fileTransfer({ event, principal, target, path, code: failure.code, error: failure.message });
  return failure;
}
