// Origins as the configuration writes them (`scheme://host[:port]`, or
// `scheme://host:*`): read by the configuration's check, the Origin check of
// upgrades and the page's Content-Security-Policy, so it sits below all three.

/** The origin of a URL, or undefined for one without (opaque, unparsable). */
export function originOf(value: string): string | undefined {
  try {
    const origin = new URL(value).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/** An allow-list entry: `scheme://host[:port]`, or `scheme://host:*` for any port of that host. */
const ALLOWED_ORIGIN = /^(https?):\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}|\*))?\/?$/;

/** Why an allow-list entry is not one, or undefined when it is (for the configuration's check). */
export function allowedOriginProblem(entry: string): string | undefined {
  const match = ALLOWED_ORIGIN.exec(entry);
  if (match === null) return 'must be an origin: scheme://host, scheme://host:port or scheme://host:* (no path)';
  if (match[3] !== undefined && match[3] !== '*' && Number(match[3]) > 65535) return 'has a port above 65535';
  return undefined;
}

/** The entry as a CSP source and a matcher; a `:*` port matches any port of the host, as in CSP. */
export function parseAllowedOrigin(entry: string): { source: string; matches(origin: string): boolean } | undefined {
  const match = ALLOWED_ORIGIN.exec(entry);
  if (match === null) return undefined;
  const [, scheme, host] = match;
  if (match[3] === '*') {
    const prefix = `${scheme}://${host!.toLowerCase()}`;
    return {
      source: `${prefix}:*`,
      matches: (origin) => origin === prefix || (origin.startsWith(`${prefix}:`) && /^\d+$/.test(origin.slice(prefix.length + 1))),
    };
  }
  const exact = originOf(entry);
  return exact === undefined ? undefined : { source: exact, matches: (origin) => origin === exact };
}
