// The shell scripts a file transfer runs in the container: they use only
// what a container commonly has (sh, cat, tar, mv, rm), say which tool is
// missing, and take the path as an argument, never spliced into the text.

/** Exit codes the scripts use to say why they stopped (far from those of the tools). */
export const FileExit = {
  MissingTool: 91,
  NotFound: 94,
  Denied: 93,
  IsDirectory: 95,
  Incomplete: 96,
} as const;

const missing = `missing() { printf 'the container has no %s\\n' "$1" >&2; exit ${FileExit.MissingTool}; }`;

/**
 * Download of "$1": first a line `D` (a directory, a tar stream follows) or
 * `F <size>` (a file; the size when stat knows it), then the bytes.
 */
export const DOWNLOAD_SCRIPT = `${missing}
p=$1
if [ -d "$p" ]; then
  command -v tar >/dev/null 2>&1 || missing tar
  ls -- "$p" >/dev/null || exit ${FileExit.Denied}
  printf 'D\\n'
  if [ "$p" = / ]; then exec tar -C / -cf - .; fi
  exec tar -C "\${p%/*}/" -cf - -- "\${p##*/}"
fi
if [ ! -e "$p" ]; then printf '%s: No such file or directory\\n' "$p" >&2; exit ${FileExit.NotFound}; fi
command -v cat >/dev/null 2>&1 || missing cat
size=
if [ -f "$p" ]; then size=$(stat -c %s -- "$p" 2>/dev/null); fi
printf 'F %s\\n' "$size"
exec cat -- "$p"`;

/**
 * First step of an upload to "$1": checks the parent and the target, creates
 * a temporary file next to it (its name is the first stdout line), copies
 * stdin into it through a descriptor opened before the name is told (so the
 * gateway's removal of an abandoned upload can never be undone by a late
 * redirection recreating the file) ("$2" bytes when given, else up to end of input), and prints
 * the size written. The file is renamed over the target only by
 * COMMIT_SCRIPT, once the gateway has seen the whole body arrive.
 */
export const UPLOAD_SCRIPT = `${missing}
p=$1
d=\${p%/*}/
if [ ! -d "$d" ]; then printf '%s: No such file or directory\\n' "$d" >&2; exit ${FileExit.NotFound}; fi
if [ -d "$p" ]; then printf '%s: Is a directory\\n' "$p" >&2; exit ${FileExit.IsDirectory}; fi
command -v cat >/dev/null 2>&1 || missing cat
command -v mv >/dev/null 2>&1 || missing mv
t="$d.\${p##*/}.webterm-$$"
(set -C; : > "$t") || exit ${FileExit.Denied}
exec 3> "$t"
trap 'rm -f -- "$t"; exit ${FileExit.Incomplete}' HUP INT TERM PIPE
printf '%s\\n' "$t"
if [ -f "$p" ]; then chmod "$(stat -c %a -- "$p" 2>/dev/null)" "$t" 2>/dev/null; fi
if [ -n "$2" ] && command -v head >/dev/null 2>&1; then head -c "$2" >&3; else cat >&3; fi || { rm -f -- "$t"; exit ${FileExit.Incomplete}; }
exec 3>&-
wc -c < "$t" 2>/dev/null || ls -ln -- "$t" | { read -r _ _ _ _ n _; echo "$n"; }`;

/** Second step of an upload: the temporary file "$1" replaces "$2" in one rename. */
export const COMMIT_SCRIPT = `if [ -d "$2" ]; then rm -f -- "$1"; printf '%s: Is a directory\\n' "$2" >&2; exit ${FileExit.IsDirectory}; fi
mv -f -- "$1" "$2" || { rm -f -- "$1"; exit ${FileExit.Denied}; }`;

/** Removes the temporary file "$1" of an upload that did not complete. */
export const CLEANUP_SCRIPT = 'rm -f -- "$1"';

/** The argv of one script: `sh -c SCRIPT webterm-files ARGS…`. */
export function scriptCommand(script: string, ...args: string[]): string[] {
  return ['sh', '-c', script, 'webterm-files', ...args];
}
