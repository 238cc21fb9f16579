// Session ids: random UUIDs, the only form accepted back from a client
// (resume) or used in a file name (recordings), so none can carry a path.
import { randomUUID } from 'node:crypto';

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function newSessionId(): string {
  return randomUUID();
}

export function isSessionId(value: string): boolean {
  return SESSION_ID.test(value);
}
