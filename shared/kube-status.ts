// metav1.Status failures as the API server writes them, so kubectl prints
// "Error from server (Forbidden): …". Pure: the gateway and the local
// cluster both build them.

export interface KubeStatusDetails {
  name?: string;
  kind?: string;
  causes?: Array<{ reason?: string; message: string }>;
}

export interface KubeStatus {
  kind?: 'Status';
  apiVersion?: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: KubeStatusDetails;
  code?: number;
}

/** The StatusReason the API server gives each HTTP status. */
const reasons: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  413: 'RequestEntityTooLarge',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  502: 'ServiceUnavailable',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** A failure as the REST layer answers it (with kind and apiVersion). */
export function failureStatus(code: number, message: string, details?: KubeStatusDetails): KubeStatus {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: reasons[code] ?? 'InternalError',
    ...(details === undefined ? {} : { details }),
    code,
  };
}
