import { RestrayError } from '../errors.js';
import * as restic from '../restic/index.js';
import type { SecretStore } from '../secrets/secret-store.js';

/** The points of a password change after which a crash leaves a known state (see changeRepoPassword). */
export type PasswordChangeStep = 'key-added' | 'stored' | 'old-key-removed';

/**
 * Changes a repository's password so that a crash at any point leaves a password in the keychain that opens
 * the repository, and the new password is never written to a file:
 * 1. `restic key add` (the new password on restic's stdin): both passwords open the repository;
 * 2. the keychain gets the new password (if that fails, the new key is removed again and the old password,
 *    still in the keychain, keeps working);
 * 3. the old key is removed with the new password (if that fails, both keep working; the keychain has the new
 *    one).
 * `afterStep` is awaited after each step (tests stop there to play a crash).
 * Errors: `invalid-argument` for a password restic would store differently, restic's kinds, and the keychain's
 * kinds for step 2.
 */
export async function changeRepoPassword(
  ctx: restic.ResticContext,
  secrets: SecretStore,
  account: string,
  next: string,
  afterStep: (step: PasswordChangeStep) => Promise<void> = async () => {},
): Promise<{ oldKeyRemoved: boolean }> {
  restic.checkNewPassword(next);
  const oldId = await restic.currentKeyId(ctx);
  await restic.keyAdd(ctx, { newPassword: next });
  await afterStep('key-added');
  const withNew = { ...ctx, password: next };
  try {
    await secrets.set(account, next);
  } catch (e) {
    const newId = await restic.currentKeyId(withNew).catch(() => undefined);
    if (newId !== undefined) await restic.keyRemove(ctx, newId).catch(() => {});
    throw e;
  }
  await afterStep('stored');
  try {
    await restic.keyRemove(withNew, oldId);
  } catch (e) {
    if (!(e instanceof RestrayError)) throw e;
    return { oldKeyRemoved: false };
  }
  await afterStep('old-key-removed');
  return { oldKeyRemoved: true };
}
