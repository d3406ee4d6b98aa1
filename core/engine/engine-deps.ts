import { join } from 'node:path';
import type { RunRecord } from '../../contract/app-state.js';
import type { Config, Repository } from '../../contract/config.js';
import { saveConfig } from '../config/config-store.js';
import type { RestrayPaths } from '../config/paths.js';
import type { RunHistory } from '../jobs/run-history.js';
import type { ResticContext } from '../restic/index.js';
import type { Clock } from '../schedule/clock.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { resticHost } from './backup-job.js';
import type { EventBus } from './event-bus.js';
import type { JobRunner } from './job-runner.js';
import { resticContextFor } from './repo-context.js';

/** How many runs the state, the chain and the snapshot list look back on. */
export const RECENT_RUNS = 50;

/**
 * The configuration one engine works on: the file's content as last saved. Changes go through
 * {@link ConfigState.commit} only, which writes the file first (atomically) and then tells the engine.
 */
export class ConfigState {
  constructor(
    private readonly file: string,
    private current: Config,
    private readonly afterCommit: (next: Config) => Promise<void>,
  ) {}

  /** The current configuration (holds no secrets). */
  get(): Config {
    return this.current;
  }

  /**
   * Saves `next` (validated by the caller), makes it current, then runs the engine's reaction (config-changed
   * event, schedules re-armed). Errors: the file system's, as `RestrayError`s of config-store; then nothing
   * changed.
   */
  async commit(next: Config): Promise<void> {
    await saveConfig(this.file, next);
    this.current = next;
    await this.afterCommit(next);
  }
}

/** What the parts of the engine (jobs, repositories, browsing, schedules, setup) share: one per engine. */
export interface EngineDeps {
  readonly paths: RestrayPaths;
  readonly secrets: SecretStore;
  readonly clock: Clock;
  readonly bus: EventBus;
  readonly history: RunHistory;
  readonly runner: JobRunner;
  readonly config: ConfigState;
  /** Unexpected exceptions (bugs); expected failures are values in run records or thrown RestrayErrors. */
  readonly onBug: (e: unknown) => void;
}

/** The restic context of a configured repository, its password from the keychain (see resticContextFor). */
export function repoContext(deps: EngineDeps, repo: Repository): Promise<ResticContext> {
  return resticContextFor(deps.config.get(), repo, deps.secrets, deps.paths.stateDir);
}

/** This workstation's restic host name (snapshots are tagged with it; `latest` means its own newest). */
export function hostOf(deps: EngineDeps): string {
  return resticHost(deps.config.get().settings);
}

/** The newest {@link RECENT_RUNS} run records, newest first. */
export async function recentRuns(deps: EngineDeps): Promise<RunRecord[]> {
  return (await deps.history.list(RECENT_RUNS)).map((e) => e.run);
}

/** Where the scheduler persists each plan's last handled slot. */
export function scheduleStatePath(paths: RestrayPaths): string {
  return join(paths.stateDir, 'schedule.json');
}
