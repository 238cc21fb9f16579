// Who a verified token says the caller is. Built only by auth/verify-token.ts;
// read by every layer below the upgrade, so it lives beneath them all.

export interface Principal {
  /** The token's `sub`: the user as the portal names them. */
  readonly sub: string;
  /** The token's `groups` claim; empty when absent. */
  readonly groups: readonly string[];
  /** When the token expires, in milliseconds since the epoch. */
  readonly expiresAt: number;
}

/** The authenticated caller of a REST request, as the auth middleware left it in `res.locals`. */
export function principalOf(res: { locals: Record<string, unknown> }): Principal {
  return res.locals.principal as Principal;
}
