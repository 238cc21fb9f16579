// The Accept header the gateway sends upstream for a kubectl read: the
// meta.k8s.io Table forms the client asked for, in its order, then plain JSON.
// Built from known parts, never copied, so nothing else a client writes there
// (protobuf, other groups, odd parameters) reaches the API server.

const PLAIN_JSON = 'application/json';
const TABLE_VERSIONS = new Set(['v1', 'v1beta1']);

/** The Table versions asked for in `accept` as application/json, in the client's order. */
function tableVersions(accept: string): string[] {
  const versions: string[] = [];
  for (const part of accept.split(',')) {
    const [mediaType = '', ...rawParams] = part.split(';').map((p) => p.trim());
    if (mediaType.toLowerCase() !== PLAIN_JSON) continue;
    const params = new Map(
      rawParams.map((p) => {
        const at = p.indexOf('=');
        return [p.slice(0, at).trim(), p.slice(at + 1).trim()] as const;
      }),
    );
    const version = params.get('v') ?? '';
    if (params.get('as') === 'Table' && params.get('g') === 'meta.k8s.io' && TABLE_VERSIONS.has(version) && !versions.includes(version)) {
      versions.push(version);
    }
  }
  return versions;
}

/**
 * `application/json;as=Table;v=V;g=meta.k8s.io` for each Table version asked
 * for, then `application/json`; just `application/json` when no Table was asked for.
 */
export function tableAccept(accept: string | undefined): string {
  const tables = tableVersions(accept ?? '').map((v) => `${PLAIN_JSON};as=Table;v=${v};g=meta.k8s.io`);
  return [...tables, PLAIN_JSON].join(',');
}
