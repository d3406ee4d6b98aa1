// Matches CSI/OSC escape sequences: restic clears its status line with ESC[2K even when stderr is a pipe.
// eslint-disable-next-line no-control-regex
const ansi = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007]*(?:\u0007|\u001b\\))/g;

/** Removes terminal escape sequences so text is fit for messages and logs. */
export function stripAnsi(text: string): string {
  return text.replace(ansi, '');
}

/**
 * Replaces every occurrence of each secret with `***`. Applied to any restic output that ends up in an error or
 * a log, although restic never echoes the password: a wrapper script, a shell or a future restic might.
 * Short secrets may blank unrelated text; being unreadable is better than leaking.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length > 0) out = out.split(s).join('***');
  }
  return out;
}
