import { join } from 'node:path';
import type { Config, Repository } from '../../contract/config.js';
import { RestrayError } from '../errors.js';
import type { ResticContext } from '../restic/index.js';
import { repoPasswordAccount, type SecretStore } from '../secrets/secret-store.js';
import { resticRepoArgs } from '../ssh/repo-args.js';

/** The keychain account holding a repository's password (by its id; by name for configs without ids). */
export function passwordAccount(repo: Repository): string {
  return repoPasswordAccount(repo.id ?? repo.name);
}

/** Finds a repository by name; `not-found` naming the known ones otherwise. */
export function findRepository(config: Config, name: string): Repository {
  const repo = config.repositories.find((r) => r.name === name);
  if (!repo) {
    const known = config.repositories.map((r) => r.name).join(', ') || 'none yet';
    throw new RestrayError('not-found', `There is no repository named "${name}" (known: ${known}).`, {
      hint: 'Add it with `restray repo add` or in the setup wizard.',
    });
  }
  return repo;
}

/**
 * Everything restic needs to open a repository: the binary from the settings, the repository arguments for
 * its target kind (local folder, SFTP or append-only through ssh) and the password from the keychain.
 * Throws `secret-missing` when the keychain holds no password for it, and the keychain's own errors
 * (`keychain-unavailable`, `keychain-locked`) as they are. The password exists only in the returned object
 * and, later, in restic's environment.
 */
export async function resticContextFor(
  config: Config,
  repo: Repository,
  secrets: SecretStore,
  cacheDir: string,
): Promise<ResticContext> {
  const password = await secrets.get(passwordAccount(repo));
  if (password === undefined) {
    throw new RestrayError(
      'secret-missing',
      `The keychain holds no password for repository "${repo.name}".`,
      {
        hint: 'Store it again with `restray repo add` (it reads the password from standard input) or in Settings.',
      },
    );
  }
  return {
    binary: config.settings.resticPath ?? 'restic',
    repoArgs: resticRepoArgs(repo.target),
    password,
    env: { RESTIC_CACHE_DIR: join(cacheDir, 'restic') },
  };
}
