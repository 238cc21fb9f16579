// metav1.Status bodies exactly as the API server writes them.

export interface Status {
  kind?: 'Status';
  apiVersion?: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { name?: string; kind?: string; causes?: Array<{ reason?: string; message: string; field?: string }> };
  code?: number;
}

const reasons: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
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

/** apierrors.NewInvalid: 422 naming each field, the message joining them as the API server does. */
export function invalidStatus(kind: string, name: string, causes: Array<{ field: string; message: string; reason: string }>): Status {
  const each = causes.map((c) => `${c.field}: ${c.message}`);
  const message = `${kind} ${JSON.stringify(name)} is invalid: ${each.length === 1 ? each[0] : `[${each.join(', ')}]`}`;
  return failureStatus(422, message, { name, kind, causes: causes.map(({ reason, message, field }) => ({ reason, message, field })) });
}

/** apierrors.NewConflict for an update from a stale resourceVersion. */
export function conflictStatus(resource: string, name: string): Status {
  return failureStatus(
    409,
    `Operation cannot be fulfilled on ${resource} ${JSON.stringify(name)}: the object has been modified; please apply your changes to the latest version and try again`,
    { name, kind: resource },
  );
}

/** Channel 3 on success: no kind, no code (it is 0 and omitted). */
export const execSuccess: Status = { metadata: {}, status: 'Success' };

/**
 * Channel 3 for a process that exited non-zero, with the ExitCode cause
 * client-go decodes. The message depends on who wrote it: the v5 translator
 * in the API server wraps client-go's error, the kubelet (v4 and older)
 * wraps the container runtime's (containerd's wording).
 */
export function execExitStatus(exitCode: number, command: readonly string[], translated: boolean): Status {
  const cause = translated
    ? `command terminated with exit code ${exitCode}`
    : `error executing command [${command.join(' ')}], exit code ${exitCode}`;
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: ${cause}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** apierrors.NewInternalError as written on channel 3: no kind, code 500. */
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

/**
 * A runtime failure (the command could not start) as the client sees it: the
 * kubelet's InternalError, which the v5 translator reads back as a plain
 * error and wraps once more.
 */
export function execRuntimeError(detail: string, translated: boolean): Status {
  const kubelet = execInternalError(detail);
  return translated ? execInternalError(kubelet.message!) : kubelet;
}
