import { join } from 'node:path';
import type { AppState, ChainStatus, RepoState, RunRecord, Trigger } from '../../contract/app-state.js';
import type { Config, Plan, Repository } from '../../contract/config.js';
import type { CallOptions, ResticContext } from '../restic/index.js';
import type { ForgetResult, LsEntry, Snapshot } from '../../contract/restic.js';
import type { OffsiteSetupReport, OffsiteSetupRequest } from '../../contract/setup.js';
import { loadConfig } from '../config/config-store.js';
import type { RestrayPaths } from '../config/paths.js';
import { RepoLocks, type ProcessRole } from '../jobs/repo-lock.js';
import { RunHistory } from '../jobs/run-history.js';
import { systemClock, type Clock } from '../schedule/clock.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { AcceptedStatusStore } from '../status/accepted-status-store.js';
import { ChainMonitor, listOnsiteSnapshots } from '../status/chain-monitor.js';
import { Browsing } from './browsing.js';
import { ConfigEdits } from './config-edits.js';
import { ConfigState, hostOf, recentRuns, repoContext, type EngineDeps } from './engine-deps.js';
import { QuarantineAnswerStore, quarantineChecker } from '../status/quarantine-check.js';
import { resolveOffsiteContext } from '../status/offsite-access.js';
import { EventBus } from './event-bus.js';
import { JobRunner } from './job-runner.js';
import { Jobs, type StartedJob } from './jobs.js';
import type { OffsiteRestoreInput } from './offsite-restore.js';
import { Repositories } from './repositories.js';
import { Retention } from './retention.js';
import { Scheduling, type SchedulingProcess } from './scheduling.js';
import { Setup } from './setup.js';
import { drillJob, type DrillRequest } from '../drill/drill-job.js';
import { drillRepoOf } from '../drill/drill-schedule.js';
import { findRepository } from './repo-context.js';

export interface EngineOptions {
  paths: RestrayPaths;
  secrets: SecretStore;
  clock?: Clock;
  /** Unexpected exceptions (bugs) go here; expected failures are values in run records. */
  onBug?: (e: unknown) => void;
  /** Which Restray process this is (named to other processes that wait for its work). Default `cli`. */
  role?: ProcessRole;
  /**
   * Whether the state (getState, config-changed) asks the keychain if each repository has a password;
   * default true (the app shows it). The CLI says false: commands that need no password never touch a
   * keychain that may be locked or gone.
   */
  keychainInState?: boolean;
}

/**
 * The engine the tray app, the CLI and the tests run: one instance per process. It wires the parts, each in
 * its own file and usable directly — {@link Jobs} (backups, restores, checks in one queue per repository),
 * {@link Repositories} (adding, passwords, offsite settings), {@link ConfigEdits} (plans, settings),
 * {@link Retention} (forget and its preview), {@link Browsing} (reading snapshots onsite and offsite),
 * {@link Scheduling} (schedules, pause, power), {@link Setup} (the wizard's key and host-key steps) — around
 * the configuration, the keychain, the run history, the chain monitor and the typed event stream. The methods
 * below are the entry points the CLI and the tests use; each forwards to one part.
 */
export class Engine {
  readonly jobs: Jobs;
  readonly repos: Repositories;
  readonly edits: ConfigEdits;
  readonly retention: Retention;
  readonly browsing: Browsing;
  readonly scheduling: Scheduling;
  readonly setup: Setup;
  private readonly deps: EngineDeps;
  private readonly chains: ChainMonitor;

  private constructor(
    private readonly options: EngineOptions,
    config: Config,
  ) {
    const clock = options.clock ?? systemClock;
    const onBug = options.onBug ?? ((e) => console.error('restray: unexpected error', e));
    const bus = new EventBus(onBug);
    const history = new RunHistory(join(options.paths.stateDir, 'history.jsonl'));
    const locks = new RepoLocks({ dir: join(options.paths.stateDir, 'locks'), role: options.role ?? 'cli' });
    const configState = new ConfigState(options.paths.configFile, config, (next) => this.committed(next));
    const runner = new JobRunner(bus, history, clock, onBug, {
      locks,
      key: (repo) => configState.get().repositories.find((r) => r.name === repo)?.id ?? repo,
    });
    const deps: EngineDeps = {
      paths: options.paths,
      secrets: options.secrets,
      clock,
      bus,
      history,
      runner,
      config: configState,
      onBug,
    };
    this.deps = deps;
    this.jobs = new Jobs(deps);
    this.browsing = new Browsing(deps);
    this.repos = new Repositories(deps, (repo) => {
      this.browsing.offsiteChanged(repo);
      void this.refreshChains([repo]).catch(() => {});
    });
    this.edits = new ConfigEdits(deps);
    this.retention = new Retention(deps);
    this.setup = new Setup(deps, this.repos);
    this.scheduling = new Scheduling(deps, {
      locks,
      role: options.role ?? 'cli',
      trigger: (name, reason) => {
        const drillRepo = drillRepoOf(name);
        if (drillRepo !== undefined) this.startDrill({ repo: drillRepo, trigger: reason });
        else this.jobs.startBackup(name, reason);
      },
      onTriggerError: options.onBug,
      onArmed: () => this.chains.start(),
    });
    this.chains = new ChainMonitor({
      config: () => configState.get(),
      runs: () => recentRuns(deps),
      listOnsite: async (repo, signal) =>
        listOnsiteSnapshots(await repoContext(deps, repo), signal, hostOf(deps)),
      accepted: new AcceptedStatusStore(join(options.paths.stateDir, 'offsite-status')),
      checkQuarantine: quarantineChecker(
        new QuarantineAnswerStore(join(options.paths.stateDir, 'quarantine-check')),
        (repo, generation, signal) => quarantineContext(deps, repo, generation, signal),
      ),
      clock,
      freshness: () => ({
        plans: configState.get().plans,
        handledSlots: this.scheduling.handledSlots(),
        schedulerRunning: this.scheduling.process().by !== 'none',
        activePlans: runner
          .jobs()
          .filter((j) => j.kind === 'backup' && j.plan !== undefined)
          .map((j) => j.plan!),
      }),
      emit: (chain) => bus.emit({ type: 'chain-changed', chain }),
      onBug,
    });
    // A finished backup changes the chain; the monitor then watches for the offsite copy (when started).
    // The workstation hop changes at once (from the run record); the Pis are checked after that.
    bus.subscribe((e) => {
      if (e.type !== 'job-finished' || e.run.kind !== 'backup') return;
      const repo = e.run.repo;
      void recentRuns(deps).then(
        (runs) => bus.emit({ type: 'chain-changed', chain: this.chains.chain(repo, runs) }),
        onBug,
      );
      this.chains.backupFinished(repo);
    });
  }

  /** Loads the configuration (throws `invalid-config` for a bad file, leaving it untouched). */
  static async open(options: EngineOptions): Promise<Engine> {
    const engine = new Engine(options, await loadConfig(options.paths.configFile));
    await engine.scheduling.load();
    return engine;
  }

  get paths(): RestrayPaths {
    return this.options.paths;
  }

  /** The current configuration (holds no secrets). */
  getConfig(): Config {
    return this.deps.config.get();
  }

  /** Engine events, `rev` +1 each; returns the unsubscribe function. */
  subscribe(listener: Parameters<EventBus['subscribe']>[0]): () => void {
    return this.deps.bus.subscribe(listener);
  }

  /**
   * The full state snapshot for the UI and `restray status`: no password or key material. `keychain` (default
   * the engine's `keychainInState`) says whether to ask the keychain for `hasPassword`.
   */
  async getState(opts: { keychain?: boolean } = {}): Promise<AppState> {
    const runs = await recentRuns(this.deps);
    const pausedUntil = this.scheduling.pausedUntil();
    return {
      rev: this.deps.bus.rev,
      config: this.getConfig(),
      repos: await this.repoStates(runs, opts.keychain ?? this.options.keychainInState ?? true),
      plans: this.scheduling.planStates(runs),
      jobs: this.deps.runner.jobs(),
      recentRuns: runs,
      ...(pausedUntil ? { pausedUntil: pausedUntil.toISOString() } : {}),
    };
  }

  /**
   * Checks the chain (onsite snapshots, offsite status) of the named repositories (default: all) now; emits
   * chain-changed for those that changed and resolves with their chains. Bounded by the ssh timeouts.
   */
  refreshChains(repoNames?: readonly string[]): Promise<ChainStatus[]> {
    return this.chains.refresh(repoNames);
  }

  /** Stops the scheduler, cancels running jobs (restic removes its locks) and waits for them. */
  async close(): Promise<void> {
    this.scheduling.stop();
    this.chains.stop();
    await this.deps.runner.cancelAll();
  }

  // ---- entry points of the CLI and the tests, one part each ---------------------------------------------

  /** See {@link Repositories.add}. */
  addRepository(
    input: unknown,
    password: string,
    opts?: { init?: boolean; verify?: boolean },
  ): Promise<Repository> {
    return this.repos.add(input, password, opts);
  }

  /** See {@link Repositories.init}. */
  initRepository(name: string): Promise<void> {
    return this.repos.init(name);
  }

  /** See {@link Repositories.storePassword}. */
  storePassword(repoName: string, password: string): Promise<void> {
    return this.repos.storePassword(repoName, password);
  }

  /** See {@link Repositories.setOffsite}. */
  setOffsite(input: OffsiteSetupRequest): Promise<OffsiteSetupReport> {
    return this.repos.setOffsite(input);
  }

  /** See {@link ConfigEdits.savePlan}. */
  savePlan(input: unknown, previousName?: string): Promise<Plan> {
    return this.edits.savePlan(input, previousName);
  }

  /** See {@link ConfigEdits.replace}. */
  replaceConfig(next: Config): Promise<void> {
    return this.edits.replace(next);
  }

  /** See {@link Jobs.startBackup}. */
  startBackup(planName: string, trigger: Trigger): StartedJob {
    return this.jobs.startBackup(planName, trigger);
  }

  /** See {@link Jobs.cancel}. */
  cancel(jobId: string, opts: { force?: boolean } = {}): void {
    this.jobs.cancel(jobId, opts);
  }

  /** See {@link Jobs.check}. */
  check(
    repoName: string,
    readDataSubset?: string,
    opts: { signal?: AbortSignal } = {},
  ): Promise<{ run: RunRecord; report: string }> {
    return this.jobs.check(repoName, readDataSubset, opts);
  }

  /** See {@link Jobs.startRestore}. */
  startRestore(input: Parameters<Jobs['startRestore']>[0]): StartedJob {
    return this.jobs.startRestore(input);
  }

  /** See {@link Jobs.startOffsiteRestore}. */
  startOffsiteRestore(input: OffsiteRestoreInput): Promise<StartedJob> {
    return this.jobs.startOffsiteRestore(input);
  }

  /** See {@link Retention.forget}. */
  forget(
    planName: string,
    opts: { dryRun: boolean; prune?: boolean; signal?: AbortSignal },
  ): Promise<ForgetResult> {
    return this.retention.forget(planName, opts);
  }

  /** See {@link Browsing.snapshots}. */
  snapshots(repoName: string, opts: CallOptions = {}): Promise<Snapshot[]> {
    return this.browsing.snapshots(repoName, opts);
  }

  /** See {@link Browsing.ls}. */
  ls(repoName: string, snapshot: string, dir: string, opts: CallOptions = {}): Promise<LsEntry[]> {
    return this.browsing.ls(repoName, snapshot, dir, opts);
  }

  /** See {@link Browsing.lsAll}. */
  lsAll(
    repoName: string,
    snapshot: string,
    onEntry: (e: LsEntry) => void,
    opts: CallOptions = {},
  ): Promise<number> {
    return this.browsing.lsAll(repoName, snapshot, onEntry, opts);
  }

  /** See {@link Scheduling.start}. */
  startScheduler(): Promise<void> {
    return this.scheduling.start();
  }

  /** See {@link Scheduling.process}. */
  schedulingProcess(): SchedulingProcess {
    return this.scheduling.process();
  }

  /** See {@link Scheduling.notifyResume}. */
  notifyResume(): void {
    this.scheduling.notifyResume();
  }

  /** See {@link Scheduling.setOnBattery}. */
  setOnBattery(onBattery: boolean): void {
    this.scheduling.setOnBattery(onBattery);
  }

  /** See {@link Scheduling.pause}. */
  pause(until: Date): Promise<void> {
    return this.scheduling.pause(until);
  }

  /** See {@link Scheduling.resume}. */
  resume(): Promise<void> {
    return this.scheduling.resume();
  }

  /**
   * Queues a restore drill of a repository as a `drill` job in its queue (never beside its backup, also across
   * processes: the repository lock): see runDrill in core/drill/drill-job.ts. `from` defaults to the offsite
   * copy when read-only offsite access is configured, else the onsite repository. A second request while one
   * is pending joins it. Throws `not-found` for an unknown repository; everything else is in the run record.
   */
  startDrill(input: DrillRequest): StartedJob {
    const deps = this.deps;
    const repo = findRepository(deps.config.get(), input.repo);
    return deps.runner.submit(
      drillJob(repo, input, {
        context: () => repoContext(deps, repo),
        stateDir: deps.paths.stateDir,
        host: hostOf(deps),
      }),
    );
  }

  /** Resolves when no job is pending (tests and hosts that wait for the queue to drain). */
  idle(): Promise<void> {
    return this.deps.runner.idle();
  }

  // ---- internals ------------------------------------------------------------------------------------------

  /** The newest drill of a repository, however old (the run history keeps it beyond the recent runs). */
  private async lastDrill(repoName: string): Promise<{ lastDrill?: RunRecord }> {
    const e = await this.deps.history.latest((r) => r.kind === 'drill' && r.repo === repoName);
    return e ? { lastDrill: e.run } : {};
  }

  private repoStates(runs: RunRecord[], askKeychain: boolean): Promise<RepoState[]> {
    return Promise.all(
      this.getConfig().repositories.map(async (r) => ({
        name: r.name,
        ...(askKeychain ? { hasPassword: await this.repos.hasPassword(r) } : {}),
        chain: this.chains.chain(r.name, runs),
        ...(await this.lastDrill(r.name)),
      })),
    );
  }

  /** After every saved change: config-changed with the repositories' state, then the schedules take it. */
  private async committed(next: Config): Promise<void> {
    const repos = (await this.getState()).repos;
    this.deps.bus.emit({ type: 'config-changed', config: next, repos });
    await this.scheduling.plansChanged(next);
  }
}

/**
 * Where to ask restic about the files an offsite generation set aside (quarantine-check.ts): that generation
 * itself through the read-only account when configured (the files are missing there, so restic reads their
 * blobs from the index), else the onsite repository without a lock.
 */
async function quarantineContext(
  deps: EngineDeps,
  repo: Repository,
  generation: string,
  signal: AbortSignal,
): Promise<ResticContext> {
  const onsite = await repoContext(deps, repo);
  if (!repo.offsite) return { ...onsite, repoArgs: [...onsite.repoArgs, '--no-lock'] };
  return (await resolveOffsiteContext(onsite, repo, deps.paths.stateDir, { generation }, { signal })).ctx;
}
