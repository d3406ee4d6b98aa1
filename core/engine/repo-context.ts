import { join } from 'node:path';
import type { Config, Plan, Repository, RepoTarget } from '../../contract/config.js';
import { RestrayError } from '../errors.js';
import type { ResticContext } from '../restic/index.js';
import { repoPasswordAccount, type SecretStore } from '../secrets/secret-store.js';
import { resticRepoArgs } from '../ssh/repo-args.js';
import { classifySshFailure } from '../ssh/ssh-errors.js';
import { probeSsh, RESTIC_LOST_SSH_ERROR } from '../ssh/ssh-probe.js';

/**
 * restic 0.14 sometimes exits before printing ssh's own error ("unable to start the sftp session … file already
 * closed", "ssh command exited: exit status 255"). Then one short ssh session with the same options names the
 * cause (host key, permission, network); if that session works, the link was lost during the run.
 */
async function diagnoseSsh(target: RepoTarget, stderr: string): Promise<RestrayError | undefined> {
  if (!RESTIC_LOST_SSH_ERROR.test(stderr) || classifySshFailure(stderr)) return undefined;
  return (
    (await probeSsh(target, 20_000)) ??
    new RestrayError('network', 'The connection to the Pi was lost during the run.', {
      hint: 'Check the network link to the Pi; the next run resumes where this one stopped.',
    })
  );
}

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

/** Finds a plan by name; `not-found` naming the known ones otherwise. */
export function findPlan(config: Config, name: string): Plan {
  const plan = config.plans.find((p) => p.name === name);
  if (!plan) {
    const known = config.plans.map((p) => p.name).join(', ') || 'none yet';
    throw new RestrayError('not-found', `There is no plan named "${name}" (known: ${known}).`, {
      hint: 'Add one with `restray plan add` or in the app.',
    });
  }
  return plan;
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
  return {
    ...lazyResticContextFor(config, repo, secrets, cacheDir),
    password: await readPassword(repo, secrets),
  };
}

/**
 * Like {@link resticContextFor} without waiting for the keychain: the password is read only when the first
 * restic call has started restic (see ResticContext.password), once for all calls on this context, so the
 * keychain lookup overlaps restic's start-up. `secret-missing` and the keychain's errors then come from that
 * call; only `invalid-argument` for a target restic cannot be given safely is thrown here.
 */
export function lazyResticContextFor(
  config: Config,
  repo: Repository,
  secrets: SecretStore,
  cacheDir: string,
): ResticContext {
  let password: Promise<string> | undefined;
  const target = repo.target;
  return {
    binary: config.settings.resticPath ?? 'restic',
    repoArgs: resticRepoArgs(target),
    password: () => (password ??= readPassword(repo, secrets)),
    env: { RESTIC_CACHE_DIR: join(cacheDir, 'restic') },
    ...(target.kind === 'local' ? {} : { diagnose: (stderr: string) => diagnoseSsh(target, stderr) }),
  };
}

async function readPassword(repo: Repository, secrets: SecretStore): Promise<string> {
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
  return password;
}
