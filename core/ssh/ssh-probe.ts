import { execa } from 'execa';
import type { RepoTarget } from '../../contract/config.js';
import { RestrayError } from '../errors.js';
import { classifySshFailure } from './ssh-errors.js';
import { SSH_PROGRAM, sshArgs } from './ssh-options.js';

/** Text restic 0.14 prints when its ssh child failed but ssh's own message got lost (see {@link probeSsh}). */
export const RESTIC_LOST_SSH_ERROR =
  /unable to start the sftp session|ssh command exited|file already closed|error talking HTTP to rclone/i;

/**
 * Opens one short SSH session with exactly the options restic uses for `target` and returns why it failed, as
 * a typed error from classifySshFailure, or undefined when the session opened fine (or the target is local).
 *
 * Why: restic 0.14 copies ssh's stderr through a goroutine and can exit before it is printed, leaving only
 * "unable to start the sftp session, error: read |0: file already closed" (seen in about half of the runs
 * against a host with an unpinned key). When restic's stderr matches {@link RESTIC_LOST_SSH_ERROR} and
 * classifySshFailure finds nothing, the restic driver can call this to name the cause.
 *
 * sftp targets request the sftp subsystem; append-only targets get their forced rclone command. stdin is
 * closed, so either ends at once after login. Bounded by `timeoutMs` (default 30 s; ssh's ConnectTimeout is 15).
 * Side effects: one SSH login on the Pi.
 */
export async function probeSsh(target: RepoTarget, timeoutMs = 30_000): Promise<RestrayError | undefined> {
  if (target.kind === 'local') return undefined;
  const args = target.kind === 'sftp' ? sshArgs(target, ['sftp'], ['-s']) : sshArgs(target);
  const r = await execa(SSH_PROGRAM, args, { reject: false, stdin: 'ignore', timeout: timeoutMs });
  if (r.timedOut)
    return new RestrayError('network', 'The connection to the Pi timed out.', {
      hint: 'Check that the Pi is on and reachable (VPN up, cable in), then try again.',
    });
  if (r.exitCode === 255 || r.exitCode === undefined) return classifySshFailure(r.stderr);
  return undefined;
}
