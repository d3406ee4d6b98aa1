import { execa } from 'execa';
import { statSync } from 'node:fs';
import type { OnsiteConfig, Secrets } from '../config.js';
import { PiError } from '../errors.js';

/** restic forget arguments for the onsite policy (keep-within style preferred on append-only repositories). */
export function forgetArgs(f: OnsiteConfig['forget']): string[] {
  const a: string[] = [];
  const add = (flag: string, v: string | number | undefined) => {
    if (v !== undefined) a.push(flag, String(v));
  };
  add('--keep-within', f.keepWithin);
  add('--keep-within-daily', f.keepWithinDaily);
  add('--keep-within-weekly', f.keepWithinWeekly);
  add('--keep-within-monthly', f.keepWithinMonthly);
  add('--keep-last', f.keepLast);
  add('--keep-daily', f.keepDaily);
  add('--keep-weekly', f.keepWeekly);
  add('--keep-monthly', f.keepMonthly);
  if (a.length === 0)
    throw new PiError(
      'invalid-config',
      'onsite.forget: set at least one keep rule (keepWithin is preferred on append-only repositories).',
      {
        phase: 'config',
      },
    );
  if (f.prune) a.push('--prune');
  return a;
}

/**
 * Runs `restic forget <policy> [--prune]` on the onsite repository, on the Pi itself (workstation keys are
 * append-only and cannot delete). The password comes from the `restic-password` secret: as a file path
 * (RESTIC_PASSWORD_FILE) when it is a systemd credential, else on stdin; never in argv or the log. Refuses to
 * run as root on a repository owned by another account, because files restic creates as root (0600) would lock
 * out rclone and the pull account.
 *
 * @returns restic's exit status (0 ok); stale locks are removed first with `restic unlock`.
 */
export async function maintain(
  on: OnsiteConfig,
  secrets: Secrets,
  log: (l: string) => void,
): Promise<number> {
  const owner = statSync(on.repository).uid;
  if (process.getuid?.() === 0 && owner !== 0)
    throw new PiError('permission-denied', `Run maintain as the repository owner (uid ${owner}), not root.`, {
      hint: 'The systemd unit restray-pi-maintain.service does so with User= and LoadCredential=.',
    });
  const file = secrets.filePath('restic-password');
  const value = file ? undefined : secrets.get('restic-password');
  if (!file && !value)
    throw new PiError('secret-missing', 'The restic-password secret is not set.', {
      hint: 'Put the password in /etc/restray-pi/NAME.restic-password (0600 root): restray-pi-maintain@NAME.service loads it as a credential. Or use the secrets file.',
    });
  // Blank every other password source so restic takes exactly ours.
  const env = {
    RESTIC_REPOSITORY: on.repository,
    RESTIC_PASSWORD_COMMAND: '',
    RESTIC_PASSWORD: '',
    RESTIC_PASSWORD_FILE: file ?? '',
    RESTIC_PROGRESS_FPS: '0.016',
  };
  const run = async (args: string[]) => {
    log(`restic ${args.join(' ')}`);
    const r = await execa(on.resticPath, args, {
      env,
      extendEnv: true,
      reject: false,
      ...(value ? { input: `${value}\n` } : { stdin: 'ignore' as const }),
      stdout: 'inherit',
      stderr: 'pipe',
    });
    if (r.stderr) log(String(r.stderr));
    if (r.failed && r.exitCode === undefined)
      throw new PiError('restic-missing', `restic could not be started (${on.resticPath}).`, {
        hint: 'apt install restic',
      });
    return r.exitCode ?? 1;
  };
  await run(['unlock']);
  return run(['forget', ...forgetArgs(on.forget)]);
}
