// The pod subresources kubectl asks for that the gateway does not serve, each
// refused with words that say what to do instead, for REST and upgrade alike.
import { GatewayError } from '../errors.js';

const unsupported: Readonly<Record<string, string>> = {
  portforward: 'port-forward is not supported by this gateway; use exec',
  proxy: 'the pod proxy is not supported by this gateway; use exec',
};

/**
 * The refusal for a pod subresource the gateway does not serve, or undefined
 * for one it serves. 405: the resource exists, the gateway does not do this with it.
 */
export function unsupportedSubresource(subresource: string): GatewayError | undefined {
  const message = Object.hasOwn(unsupported, subresource) ? unsupported[subresource] : undefined;
  return message === undefined ? undefined : new GatewayError('bad_request', message, { status: 405 });
}
