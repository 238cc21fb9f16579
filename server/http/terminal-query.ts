// The query of a terminal websocket URL, read as INTERFACE.md defines it:
// container, command and tty, or resume and offset for a browser coming back.
import { checkName } from '../core/names.js';
import { GatewayError } from '../errors.js';
import { isSessionId } from '../exec/session-id.js';

const MAX_COMMAND_ARGS = 256;
const MAX_COMMAND_BYTES = 64 * 1024;

/** `resume=<session id>&offset=<output bytes already received>`: a browser coming back. */
export function parseResumeQuery(url: URL): { id: string; offset?: number } | undefined {
  const id = url.searchParams.get('resume');
  if (id === null) return undefined;
  if (!isSessionId(id)) throw new GatewayError('bad_request', 'resume must be a session id');
  const offsetText = url.searchParams.get('offset');
  if (offsetText === null) return { id };
  const offset = Number(offsetText);
  if (!/^\d{1,15}$/.test(offsetText) || !Number.isSafeInteger(offset))
    throw new GatewayError('bad_request', 'offset must be a count of bytes');
  return { id, offset };
}

/** Reads container, command and tty from the query; tty defaults to true without a command. */
export function parseTerminalQuery(url: URL): { container?: string; command?: string[]; tty: boolean } {
  const container = url.searchParams.get('container') ?? undefined;
  if (container !== undefined && container !== '') checkName('container', container);
  const command = url.searchParams.getAll('command');
  if (command.length > MAX_COMMAND_ARGS) {
    throw new GatewayError('bad_request', `command has more than ${MAX_COMMAND_ARGS} arguments`);
  }
  if (command.reduce((sum, arg) => sum + Buffer.byteLength(arg), 0) > MAX_COMMAND_BYTES) {
    throw new GatewayError('bad_request', `command is longer than ${MAX_COMMAND_BYTES} bytes`);
  }
  if (command.some((arg) => arg.includes('\0'))) throw new GatewayError('bad_request', 'command arguments may not contain NUL');
  const ttyParam = url.searchParams.get('tty');
  let tty = command.length === 0;
  if (ttyParam !== null) {
    if (ttyParam !== 'true' && ttyParam !== 'false') throw new GatewayError('bad_request', 'tty must be true or false');
    tty = ttyParam === 'true';
  }
  return { container: container === '' ? undefined : container, command: command.length > 0 ? command : undefined, tty };
}
