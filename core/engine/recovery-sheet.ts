import type { Repository } from '../../contract/config.js';
import type { RecoverySheet } from '../../contract/setup.js';
import { resticRepoArgs } from '../ssh/repo-args.js';

/** Quotes one argument for a POSIX shell, only when needed. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The printable recovery sheet: where the repository is and the plain restic commands that list and restore
 * it without Restray (restic asks for the password). Never holds the password unless `generatedPassword` is
 * given (the answer that created it, once).
 */
export function recoverySheet(
  repo: Repository,
  createdAt: string,
  generatedPassword?: string,
): RecoverySheet {
  const repoArgs = resticRepoArgs(repo.target).map(shellQuote).join(' ');
  const t = repo.target;
  const location =
    t.kind === 'local'
      ? t.path
      : `${t.kind === 'append-only' ? 'append-only ' : ''}sftp:${t.user}@${t.host}:${t.path}`;
  return {
    repo: repo.name,
    location,
    createdAt,
    commands: [
      `restic ${repoArgs} snapshots`,
      `restic ${repoArgs} ls latest`,
      `restic ${repoArgs} restore latest --target ~/Restored`,
    ],
    ...(generatedPassword === undefined ? {} : { generatedPassword }),
  };
}
