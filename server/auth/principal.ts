// Who a verified token says the caller is. Built only by verify-token.ts.

export interface Principal {
  /** The token's `sub`: the user as the portal names them. */
  readonly sub: string;
  /** The token's `groups` claim; empty when absent. */
  readonly groups: readonly string[];
  /** When the token expires, in milliseconds since the epoch. */
  readonly expiresAt: number;
}
