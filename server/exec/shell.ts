// The command of an interactive shell when the user names none.

/**
 * One exec that picks bash where the container has it and sh otherwise. Doing
 * the choice inside the container means no probe-then-retry race: the first
 * keystroke already reaches the shell that will stay.
 */
export const INTERACTIVE_SHELL_COMMAND: readonly string[] = Object.freeze([
  'sh',
  '-c',
  'if command -v bash >/dev/null 2>&1; then exec bash -l; fi; exec sh -l',
]);
