import { z } from 'zod';
import { invalidArgument } from './args.js';
import { decodeMessage } from './json-lines.js';
import { callOptions, runRestic, type CallOptions, type ResticContext } from './runner.js';

export interface KeyPasswdOptions extends CallOptions {
  newPassword: string;
}

/**
 * Refuses passwords restic would store differently from what the app keeps: restic trims whitespace around a
 * password read from a file or a line (verified with 0.14), while it uses RESTIC_PASSWORD verbatim.
 */
export function checkNewPassword(pw: string): void {
  if (pw.length === 0) throw invalidArgument('The new password is empty.');
  if (pw.trim() !== pw)
    throw invalidArgument('The new password must not start or end with spaces or line breaks.');
  if (/[\r\n\0]/.test(pw)) throw invalidArgument('The new password must be a single line.');
}

const KeyList = z.array(z.object({ id: z.string().min(1), current: z.boolean() }).passthrough());

/** The password of a context as a string (a lazy one is asked for now). */
async function passwordOf(ctx: ResticContext): Promise<string> {
  return typeof ctx.password === 'function' ? ctx.password() : ctx.password;
}

/**
 * `restic key list --json`: the ID of the key the context's password opens. Errors: `wrong-password`,
 * `repo-not-found`, SSH kinds, `failed` (also for output restic never gives).
 */
export async function currentKeyId(ctx: ResticContext, opts: CallOptions = {}): Promise<string> {
  let keys: z.infer<typeof KeyList> | undefined;
  await runRestic(ctx, {
    ...callOptions(opts),
    args: ['key', 'list', '--json'],
    onJson: (v) => (keys ??= decodeMessage(KeyList, v)),
  });
  const id = keys?.find((k) => k.current)?.id;
  if (id === undefined) throw invalidArgument('restic listed no current key.');
  return id;
}

/**
 * `restic key add`: adds a key for `newPassword`, which travels on restic's standard input (never in argv or a
 * file); the current password goes in the environment. Both passwords open the repository afterwards.
 * Errors: `invalid-argument` (see {@link checkNewPassword}), `wrong-password`, `append-only`, SSH kinds, `failed`.
 */
export async function keyAdd(ctx: ResticContext, opts: KeyPasswdOptions): Promise<void> {
  checkNewPassword(opts.newPassword);
  await runRestic(
    { ...ctx, password: await passwordOf(ctx) },
    {
      ...callOptions(opts),
      args: ['key', 'add'],
      stdinText: `${opts.newPassword}\n`,
      secrets: [opts.newPassword],
    },
  );
}

/**
 * `restic key remove ID`: removes another key (restic refuses to remove the one in use). Errors:
 * `wrong-password`, `append-only`, SSH kinds, `failed`.
 */
export async function keyRemove(ctx: ResticContext, id: string, opts: CallOptions = {}): Promise<void> {
  if (!/^[0-9a-f]{8,64}$/.test(id)) throw invalidArgument('That is not a restic key ID.');
  await runRestic(ctx, { ...callOptions(opts), args: ['key', 'remove', id] });
}

/**
 * Changes the repository password from `ctx.password` to `newPassword` without a file: adds a key for the new
 * password, then removes the old key with the new password. A failure in between leaves both passwords
 * working, never none. The engine runs the same steps with the keychain write between them
 * (core/engine/password-change.ts). Errors: those of {@link keyAdd}, {@link currentKeyId}, {@link keyRemove}.
 */
export async function keyPasswd(ctx: ResticContext, opts: KeyPasswdOptions): Promise<void> {
  const oldId = await currentKeyId(ctx, opts);
  await keyAdd(ctx, opts);
  await keyRemove({ ...ctx, password: opts.newPassword }, oldId, opts);
}
