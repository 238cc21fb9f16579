// The gateway's logger: pino, with every place a token could hide redacted.
import { pino, type Logger, type DestinationStream } from 'pino';

const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["sec-websocket-protocol"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["sec-websocket-protocol"]',
  '*.token',
  '*.password',
  '*.secret',
  'token',
];

// A JWT, or a bearer subprotocol carrying one, anywhere in a message string.
const TOKEN_PATTERN = /(bearer[.\s]+)?eyJ[\w-]+\.[\w-]+\.[\w-]*/gi;

/** Replaces anything that looks like a JWT by a marker. */
export function scrubTokens(text: string): string {
  return text.replace(TOKEN_PATTERN, '[token]');
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      hooks: {
        logMethod(args, method) {
          // Messages are strings written by us, but may quote an error that quoted a header.
          const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubTokens(arg) : arg)) as typeof args;
          return method.apply(this, scrubbed);
        },
      },
    },
    destination,
  );
}
