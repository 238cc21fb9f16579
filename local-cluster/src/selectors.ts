// Label and field selectors of list requests, parsed and matched as the API
// server does (k8s.io/apimachinery labels.Parse and fields.ParseSelector).

export type Labels = Readonly<Record<string, string>>;
export type LabelRequirement =
  | { key: string; op: 'exists' | '!' }
  | { key: string; op: '=' | '!=' | 'in' | 'notin'; values: string[] }
  | { key: string; op: 'gt' | 'lt'; value: number };

export class SelectorError extends Error {
  override name = 'SelectorError';
}

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkKey(key: string): string {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (!NAME.test(name) || (prefix !== undefined && (prefix.length > 253 || !PREFIX.test(prefix)))) {
    throw new SelectorError(
      `unable to parse requirement: Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
  return key;
}

function checkValue(value: string): string {
  if (value !== '' && !NAME.test(value)) {
    throw new SelectorError(
      `unable to parse requirement: Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
  return value;
}

/** Splits on commas that are not inside a `( … )` value set. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i += 1) {
    const c = selector[i];
    if (c === '(') depth += 1;
    else if (c === ')') depth -= 1;
    else if (c === ',' && depth === 0) {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms.map((t) => t.trim());
}

function parseTerm(term: string): LabelRequirement {
  if (term === '') throw new SelectorError(`found '', expected: !, identifier, or 'end of string'`);
  if (term.startsWith('!')) return { key: checkKey(term.slice(1).trim()), op: '!' };
  const set = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(term);
  if (set !== null) {
    const values = set[3]!.split(',').map((v) => checkValue(v.trim()));
    return { key: checkKey(set[1]!), op: set[2] as 'in' | 'notin', values };
  }
  const compare = /^([^=!<>\s]+)\s*(==|=|!=|<|>)\s*([^=!<>\s]*)$/.exec(term);
  if (compare !== null) {
    const key = checkKey(compare[1]!);
    const op = compare[2]!;
    if (op === '<' || op === '>') {
      const value = Number(compare[3]);
      if (compare[3] === '' || !Number.isInteger(value))
        throw new SelectorError(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`);
      return { key, op: op === '>' ? 'gt' : 'lt', value };
    }
    return { key, op: op === '!=' ? '!=' : '=', values: [checkValue(compare[3]!)] };
  }
  if (/^\S+$/.test(term)) return { key: checkKey(term), op: 'exists' };
  throw new SelectorError(`unable to parse requirement: invalid label selector term "${term}"`);
}

/** Parses a label selector; throws SelectorError with the server's kind of message. */
export function parseLabelSelector(selector: string): LabelRequirement[] {
  if (selector.trim() === '') return [];
  return splitTerms(selector).map(parseTerm);
}

export function matchesLabels(requirements: readonly LabelRequirement[], labels: Labels): boolean {
  return requirements.every((r) => {
    const value = Object.hasOwn(labels, r.key) ? labels[r.key] : undefined;
    switch (r.op) {
      case 'exists':
        return value !== undefined;
      case '!':
        return value === undefined;
      case '=':
      case 'in':
        return value !== undefined && r.values.includes(value);
      case '!=':
      case 'notin':
        return value === undefined || !r.values.includes(value);
      case 'gt':
      case 'lt': {
        const n = Number(value);
        if (value === undefined || value === '' || !Number.isInteger(n)) return false;
        return r.op === 'gt' ? n > r.value : n < r.value;
      }
      default: {
        const never: never = r;
        return never;
      }
    }
  });
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** Parses a field selector (`a=b,c!=d`, backslash escapes) against the fields a resource supports. */
export function parseFieldSelector(selector: string, supported: readonly string[]): FieldRequirement[] {
  if (selector.trim() === '') return [];
  const terms: string[] = [];
  let current = '';
  for (let i = 0; i < selector.length; i += 1) {
    const c = selector[i]!;
    if (c === '\\' && i + 1 < selector.length) {
      current += c + selector[i + 1];
      i += 1;
    } else if (c === ',') {
      terms.push(current);
      current = '';
    } else current += c;
  }
  terms.push(current);
  return terms.map((term) => {
    const match = /^([^=!]+?)(==|=|!=)(.*)$/.exec(term);
    if (match === null) throw new SelectorError(`invalid selector: '${selector}'; can't understand '${term}'`);
    const field = match[1]!.trim();
    if (!supported.includes(field)) throw new SelectorError(`field label not supported: ${field}`);
    return { field, op: match[2] === '!=' ? '!=' : '=', value: match[3]!.replace(/\\(.)/g, '$1') };
  });
}

export function matchesFields(requirements: readonly FieldRequirement[], fields: Readonly<Record<string, string>>): boolean {
  return requirements.every((r) => (fields[r.field] === r.value) === (r.op === '='));
}
