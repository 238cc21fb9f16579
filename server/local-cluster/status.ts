// metav1.Status bodies exactly as the API server writes them.

export interface Status {
  kind?: 'Status';
  apiVersion?: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { name?: string; kind?: string; causes?: Array<{ reason?: string; message: string }> };
  code?: number;
}

const reasons: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  500: 'InternalError',
};

/** A failure as the REST layer answers it (with kind and apiVersion). */
export function failureStatus(code: number, message: string, details?: Status['details']): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: reasons[code] ?? 'Unknown',
    ...(details === undefined ? {} : { details }),
    code,
  };
}

export function notFound(kind: string, name: string): Status {
  return failureStatus(404, `${kind} "${name}" not found`, { name, kind });
}

/** Channel 3 on success: no kind, no code (it is 0 and omitted). */
export const execSuccess: Status = { metadata: {}, status: 'Success' };

/** Channel 3 for a process that exited non-zero, with the ExitCode cause client-go decodes. */
export function execExitStatus(exitCode: number): Status {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [...], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** Channel 3 for a failure that is not an exit code (the runtime could not start the command). */
export function execInternalError(detail: string): Status {
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${detail}`,
    reason: 'InternalError',
    details: { causes: [{ message: detail }] },
    code: 500,
  };
}
