import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { invalidArgument } from './args.js';
import { callOptions, runRestic, type CallOptions, type ResticContext } from './runner.js';

export interface KeyPasswdOptions extends CallOptions {
  newPassword: string;
}

/**
 * Refuses passwords restic would store differently from what the app keeps: restic trims whitespace around a
 * password read from a file (verified with 0.14), while it uses RESTIC_PASSWORD verbatim.
 */
export function checkNewPassword(pw: string): void {
  if (pw.length === 0) throw invalidArgument('The new password is empty.');
  if (pw.trim() !== pw)
    throw invalidArgument('The new password must not start or end with spaces or line breaks.');
  if (/[\r\n\0]/.test(pw)) throw invalidArgument('The new password must be a single line.');
}

/**
 * `restic key passwd`: changes the repository password from `ctx.password` to `newPassword`.
 *
 * The new password never reaches argv: it goes to `--new-password-file`, a 0600 file in a fresh 0700 directory
 * under the OS temp folder, removed as soon as restic exits (also on failure or cancel). A file rather than
 * /dev/stdin because it works the same on Windows, where there is no /dev/stdin, and keeps one code path; the
 * exposure is one short-lived file readable only by the user whose keychain holds the password anyway.
 *
 * Exit statuses: 0. Errors: `invalid-argument` (see {@link checkNewPassword}), `wrong-password` for the old
 * password, `append-only` (the old key cannot be deleted), `repo-not-found`, SSH kinds, `failed`.
 * Side effects: adds a key for the new password and deletes the old key; the caller must store the new password
 * at once. If restic fails after adding the key, both passwords may work.
 */
export async function keyPasswd(ctx: ResticContext, opts: KeyPasswdOptions): Promise<void> {
  checkNewPassword(opts.newPassword);
  const dir = await mkdtemp(join(tmpdir(), 'restray-key-'));
  try {
    const file = join(dir, 'new-password');
    await writeFile(file, opts.newPassword, { mode: 0o600, flag: 'wx' });
    await runRestic(ctx, {
      ...callOptions(opts),
      args: ['key', 'passwd', '--new-password-file', file],
      secrets: [opts.newPassword],
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
