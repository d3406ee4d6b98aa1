import { randomUUID } from 'node:crypto';
import { Repository } from '../../contract/config.js';
import type { OffsiteSetupReport, OffsiteSetupRequest } from '../../contract/setup.js';
import { validateConfig } from '../config/config-store.js';
import { describeZodError } from '../config/validation-message.js';
import { RestrayError } from '../errors.js';
import * as restic from '../restic/index.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { repoContext, type EngineDeps } from './engine-deps.js';
import { checkOffsiteSetup } from './offsite-setup.js';
import { changeRepoPassword } from './password-change.js';
import { findRepository, passwordAccount, resticContextFor } from './repo-context.js';

/**
 * The configured repositories and their passwords: adding one (init or verify), storing and changing its
 * password in the keychain, its offsite settings. The only part of the engine that writes passwords.
 */
export class Repositories {
  constructor(
    private readonly deps: EngineDeps,
    /** Called after a repository's offsite settings were saved (caches forget it, the chain is checked). */
    private readonly onOffsiteChanged: (repoName: string) => void,
  ) {}

  /**
   * Adds a repository and stores its password in the keychain (never anywhere else). With `init: true` stores
   * the password, then runs `restic init` (removing the password again if init fails); with `verify: true`
   * opens the existing repository to prove the password before storing it. Nothing is saved if any step
   * fails. Errors: `invalid-argument` (bad or duplicate name), keychain and restic kinds (`wrong-password`,
   * `repo-not-found` when verifying where no repository is).
   */
  async add(
    input: unknown,
    password: string,
    opts: { init?: boolean; verify?: boolean } = {},
  ): Promise<Repository> {
    const parsed = Repository.safeParse(input);
    if (!parsed.success) {
      throw new RestrayError('invalid-argument', describeZodError(parsed.error, 'repository').join('; '));
    }
    const repo: Repository = { ...parsed.data, id: parsed.data.id ?? randomUUID() };
    const config = this.deps.config.get();
    if (config.repositories.some((r) => r.name === repo.name)) {
      throw new RestrayError('repo-exists', `A repository named "${repo.name}" already exists.`, {
        hint: 'Choose another name, or remove the old one first.',
      });
    }
    if (!password) throw new RestrayError('invalid-argument', 'password: the repository password is empty.');
    const next = validateConfig({ ...config, repositories: [...config.repositories, repo] });
    const ctx = { ...(await this.contextWithPassword(repo, password)) };
    const account = passwordAccount(repo);
    const secrets = this.deps.secrets;
    if (opts.init) {
      // The password is stored first: with the keychain unavailable nothing is created, and a repository is
      // never created whose password is stored nowhere. A failed init takes the stored password back.
      await secrets.set(account, password);
      try {
        await restic.init(ctx);
      } catch (e) {
        await secrets.delete(account).catch(() => false);
        throw e;
      }
    } else {
      if (opts.verify) await restic.snapshots(ctx);
      await secrets.set(account, password);
    }
    await this.deps.config.commit(next);
    return repo;
  }

  /** `restic init` for a configured repository, with its keychain password. `repo-exists` if already there. */
  async init(name: string): Promise<void> {
    const repo = findRepository(this.deps.config.get(), name);
    await restic.init(await repoContext(this.deps, repo));
  }

  /**
   * Stores the password of a configured repository in the keychain (lost keychain, new machine) after proving
   * that it opens the repository (`restic snapshots`): `wrong-password` and the keychain kinds otherwise.
   * Emits config-changed so the UI sees `hasPassword`.
   */
  async storePassword(repoName: string, password: string): Promise<void> {
    const config = this.deps.config.get();
    const repo = findRepository(config, repoName);
    if (!password) throw new RestrayError('invalid-argument', 'password: the repository password is empty.');
    await restic.snapshots(await this.contextWithPassword(repo, password));
    await this.deps.secrets.set(passwordAccount(repo), password);
    await this.deps.config.commit(config);
  }

  /**
   * Changes the repository password crash-safely (see changeRepoPassword): add the new key, store it in the
   * keychain, then remove the old key. The new password is never written to a file. If the old key could not
   * be removed, both passwords open the repository and the result says so.
   */
  async changePassword(repoName: string, next: string): Promise<{ oldKeyRemoved: boolean }> {
    const repo = findRepository(this.deps.config.get(), repoName);
    return changeRepoPassword(
      await repoContext(this.deps, repo),
      this.deps.secrets,
      passwordAccount(repo),
      next,
    );
  }

  /**
   * Tests and saves the offsite status account and/or offsite restore access of a Pi repository (see
   * checkOffsiteSetup); emits config-changed and checks the chain again. Nothing is saved if a test fails.
   */
  async setOffsite(input: OffsiteSetupRequest): Promise<OffsiteSetupReport> {
    const repo = findRepository(this.deps.config.get(), input.repo);
    const { repo: next, report } = await checkOffsiteSetup(repo, input, this.deps.paths.sshDir);
    const config = this.deps.config.get();
    await this.deps.config.commit(
      validateConfig({
        ...config,
        repositories: config.repositories.map((r) => (r.name === repo.name ? next : r)),
      }),
    );
    this.onOffsiteChanged(repo.name);
    return report;
  }

  /** Whether the keychain holds the repository's password; false when the keychain cannot say. */
  async hasPassword(repo: Repository): Promise<boolean> {
    try {
      return (await this.deps.secrets.get(passwordAccount(repo))) !== undefined;
    } catch {
      return false;
    }
  }

  /** A restic context with a password the caller holds (before it is in the keychain). */
  private async contextWithPassword(repo: Repository, password: string): Promise<restic.ResticContext> {
    const store: SecretStore = {
      get: async () => password,
      set: async () => {},
      delete: async () => false,
    };
    return resticContextFor(this.deps.config.get(), repo, store, this.deps.paths.stateDir);
  }
}
