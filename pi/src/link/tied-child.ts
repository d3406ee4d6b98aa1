import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

let setpriv: string | null | undefined;

/** setpriv(1) from util-linux (Debian and Raspberry Pi OS ship it in an essential package), if on PATH. */
function findSetpriv(): string | null {
  if (setpriv !== undefined) return setpriv;
  setpriv = null;
  if (process.platform !== 'linux') return setpriv;
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    try {
      accessSync(join(dir, 'setpriv'), constants.X_OK);
      return (setpriv = join(dir, 'setpriv'));
    } catch {
      // not here
    }
  }
  return setpriv;
}

/**
 * The command line that starts `file args…` tied to the life of the process that spawns it: through
 * `setpriv --pdeathsig KILL`, which sets the Linux parent-death signal and then execs the program (same PID, so
 * cancelling it still signals the program itself). When restray-pi dies — even by SIGKILL, where no exit
 * handler runs — the kernel kills the child at once. The signal is not inherited across fork: a child that
 * starts its own helpers (rsync starting ssh) ties them itself (see {@link tiedRsh}); the systemd units' cgroup
 * (KillMode=control-group) catches the rest, including a child whose parent died in the instant between its
 * fork and setpriv's prctl (the kernel offers no way to close that window from outside the child). Without
 * setpriv (not Linux) the command is returned unchanged.
 *
 * Pure apart from one PATH lookup (cached).
 */
export function tiedToRun(file: string, args: readonly string[]): [string, string[]] {
  const s = findSetpriv();
  return s ? [s, ['--pdeathsig', 'KILL', '--', file, ...args]] : [file, [...args]];
}

/**
 * The words of a command that another program (rsync's `-e`) starts: prefixed so that it dies with that
 * program (see {@link tiedToRun}).
 */
export function tiedWords(words: readonly string[]): string[] {
  const [file, args] = tiedToRun(words[0]!, words.slice(1));
  return [file, ...args];
}
