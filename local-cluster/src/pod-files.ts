// What a pod's directories hold beyond its containers' files: the bin
// directories on its PATH (all system programs but the shells a container
// lacks), its `hostname` and `uname`, and the profile that gives login shells
// the pod's prompt.
import { mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

const SYSTEM_BIN_DIRS = ['/usr/local/bin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/sbin', '/sbin'];
const BASH_NAMES = new Set(['bash', 'rbash', 'bashbug']);
/** Every shell a Debian host may have, left out of a container without shells. */
export const SHELL_NAMES = new Set([...BASH_NAMES, 'sh', 'dash', 'zsh', 'ksh', 'ksh93', 'mksh', 'csh', 'tcsh', 'fish', 'busybox', 'ash']);

/**
 * A bin directory with every system program but the `excluded` ones: the PATH
 * of a container that has only sh (so `command -v bash` fails there as in an
 * Alpine image), or no shell at all.
 */
export function createBinWithout(dir: string, excluded: ReadonlySet<string> = BASH_NAMES): string {
  mkdirSync(dir, { recursive: true });
  const linked = new Set<string>();
  for (const source of SYSTEM_BIN_DIRS) {
    let names: string[];
    try {
      names = readdirSync(source);
    } catch {
      continue;
    }
    for (const name of names) {
      if (excluded.has(name) || linked.has(name)) continue;
      linked.add(name);
      try {
        symlinkSync(join(source, name), join(dir, name));
      } catch {
        // A name present twice (merged /usr) is linked once.
      }
    }
  }
  return dir;
}

/**
 * The pod's `hostname`: a pod's host name is its name, where the host's own
 * program would print the machine's. Setting it is refused, as in a container
 * without CAP_SYS_ADMIN (and the machine's name is not the pod's to change).
 */
export function hostnameProgram(pod: string): string {
  return [
    '#!/bin/sh',
    'case "$1" in',
    `  ''|-s|--short|-f|--fqdn|--long|-a|--alias|-A|--all-fqdns) echo '${pod}' ;;`,
    "  -i|--ip-address|-I|--all-ip-addresses) echo '127.0.0.1' ;;",
    '  -*) echo "hostname: invalid option -- \'$1\'" >&2; exit 1 ;;',
    "  *) echo 'hostname: you must be root to change the host name' >&2; exit 1 ;;",
    'esac',
    '',
  ].join('\n');
}

/**
 * The pod's `uname`: the system's, with the pod's name where the machine's
 * node name would be (`-n`, `-a`), as a pod's own UTS namespace shows it.
 */
export function unameProgram(pod: string): string {
  // The machine's node name is replaced as a whole field, its dots taken literally.
  return String.raw`#!/bin/sh
real=/usr/bin/uname
[ -x "$real" ] || real=/bin/uname
out=$("$real" "$@") || exit $?
node=$("$real" -n | sed 's/[].[*^$\\/]/\\&/g')
printf '%s\n' "$out" | sed "s/\(^\| \)$node\( \|\$\)/\1${pod}\2/"
`;
}

/** A word the shell reads back as `text`, whatever it holds. */
const shellQuoted = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/**
 * ~/.profile, read by login shells after /etc/profile, which sets the host's
 * PATH: the container's PATH again (its bin, and no bash where the container
 * has none), and a prompt that names the pod, not the host, in each shell's
 * own syntax (sh expands only parameters, not bash's \w); the prompt is not
 * exported, since each shell has its own.
 */
export function loginProfile(pod: string, path: string): string {
  return [
    `PATH=${shellQuoted(path)}`,
    'export PATH',
    'if [ -n "$BASH_VERSION" ]; then',
    `  PS1='${pod}:\\w\\$ '`,
    'else',
    `  PS1='${pod}:$PWD$ '`,
    'fi',
    '',
  ].join('\n');
}
