// Glob patterns of policy rules: `*` any run of characters, `?` one character,
// everything else literal. Compiled once into an anchored RegExp.

export type Matcher = (value: string) => boolean;

export function compileGlob(pattern: string): Matcher {
  if (pattern === '*') return () => true;
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  const regex = new RegExp(`^${source}$`, 's');
  return (value) => regex.test(value);
}

/** True when any of the patterns matches. */
export function compileGlobs(patterns: readonly string[]): Matcher {
  const matchers = patterns.map(compileGlob);
  return (value) => matchers.some((m) => m(value));
}
