/**
 * Where Restray keeps repository passwords: the OS keychain, behind this small interface so that the keychain
 * library (keytar today, `@napi-rs/keyring` later) is a one-file change and tests of other modules can use a
 * map. Implementations never fall back to plaintext and never put a secret into an error message.
 */
export interface SecretStore {
  /** The secret stored under `account`, or undefined when there is none. */
  get(account: string): Promise<string | undefined>;
  /** Stores or replaces the secret under `account`. */
  set(account: string, secret: string): Promise<void>;
  /** Removes the secret; true when one existed. */
  delete(account: string): Promise<boolean>;
}

/** Keychain service name under which every Restray secret is stored (visible in Seahorse, Keychain Access…). */
export const SECRET_SERVICE = 'restray';

/**
 * The keychain account that holds a repository's password: `repo:<id>` where id is the repository's stable id
 * (or its name for configurations without ids). One function so every caller names it the same way.
 */
export function repoPasswordAccount(repoIdOrName: string): string {
  return `repo:${repoIdOrName}`;
}
