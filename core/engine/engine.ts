import { randomUUID } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type {
  AppState,
  ChainStatus,
  PlanState,
  RepoState,
  RunRecord,
  Trigger,
} from '../../contract/app-state.js';
import { keepsNothing, Plan, Repository, type Config } from '../../contract/config.js';
import type { ForgetResult, LsEntry, Snapshot } from '../../contract/restic.js';
import { loadConfig, saveConfig, validateConfig } from '../config/config-store.js';
import type { RestrayPaths } from '../config/paths.js';
import { describeZodError } from '../config/validation-message.js';
import { RestrayError } from '../errors.js';
import { RunHistory } from '../jobs/run-history.js';
import * as restic from '../restic/index.js';
import { systemClock, type Clock } from '../schedule/clock.js';
import { readHandledSlots } from '../schedule/schedule-state.js';
import { nextSlot } from '../schedule/slots.js';
import type { Scheduler } from '../schedule/scheduler.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { AcceptedStatusStore } from '../status/accepted-status-store.js';
import { ChainMonitor, listOnsiteSnapshots } from '../status/chain-monitor.js';
import { offsiteAccessOf, resolveOffsiteContext, type GenerationChoice } from '../status/offsite-access.js';
import type { OffsiteSetupReport, OffsiteSetupRequest } from '../../contract/setup.js';
import { checkOffsiteSetup } from './offsite-setup.js';
import { OffsiteListingCache } from './offsite-listing-cache.js';
import { runOffsiteRestore, type OffsiteRestoreInput } from '../status/offsite-restore.js';
import { resticHost, runBackupJob } from './backup-job.js';
import { EventBus } from './event-bus.js';
import { RepoLocks, type ProcessRole } from '../jobs/repo-lock.js';
import { JobRunner, type JobControl, type JobOutcome } from './job-runner.js';
import type { Destination } from '../../contract/browse.js';
import type { Conflict } from './restore-placement.js';
import { restoreTarget, runRestoreJob } from './restore-job.js';
import { findRepository, lazyResticContextFor, passwordAccount, resticContextFor } from './repo-context.js';
import { retryAfterStaleLock } from './stale-locks.js';
import { onCancel } from '../restic/cancellation.js';
import { changeRepoPassword } from './password-change.js';

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

const RECENT_RUNS = 50;
const SCHEDULER_LOCK = '.scheduler';

/**
 * The engine the tray app, the CLI and the tests run: configuration, keychain, restic jobs through one queue
 * per repository, run history, schedules and the typed event stream. One instance per process.
 */
export class Engine {
  private config: Config;
  private readonly bus: EventBus;
  private readonly history: RunHistory;
  private readonly runner: JobRunner;
  private readonly clock: Clock;
  private scheduler: Scheduler | undefined;
  private readonly locks: RepoLocks;
  /** Held while this process runs the schedules (one scheduling process per configuration). */
  private schedulerLock: { wait: AbortController; release?: () => void } | undefined;
  private onBattery = false;
  private readonly chains: ChainMonitor;
  /** The scheduler's persisted slots as read at open, for the freshness rule while no scheduler runs (CLI). */
  private savedSlots: Readonly<Record<string, string>> = {};
  /** Browsing offsite asks for the generation list on every call; it changes at most once per sync. */
  private readonly offsiteListings = new OffsiteListingCache();

  private constructor(
    private readonly options: EngineOptions,
    config: Config,
  ) {
    this.config = config;
    this.clock = options.clock ?? systemClock;
    const onBug = options.onBug ?? ((e) => console.error('restray: unexpected error', e));
    this.bus = new EventBus(onBug);
    this.history = new RunHistory(join(options.paths.stateDir, 'history.jsonl'));
    this.locks = new RepoLocks({ dir: join(options.paths.stateDir, 'locks'), role: options.role ?? 'cli' });
    this.runner = new JobRunner(this.bus, this.history, this.clock, onBug, {
      locks: this.locks,
      key: (repo) => this.config.repositories.find((r) => r.name === repo)?.id ?? repo,
    });
    this.chains = new ChainMonitor({
      config: () => this.config,
      runs: async () => (await this.history.list(RECENT_RUNS)).map((e) => e.run),
      listOnsite: async (repo, signal) =>
        listOnsiteSnapshots(await this.context(repo), signal, resticHost(this.config.settings)),
      accepted: new AcceptedStatusStore(join(options.paths.stateDir, 'offsite-status')),
      clock: this.clock,
      freshness: () => ({
        plans: this.config.plans,
        handledSlots: this.scheduler?.handledSlots() ?? this.savedSlots,
        schedulerRunning: this.schedulingProcess().by !== 'none',
        activePlans: this.runner
          .jobs()
          .filter((j) => j.kind === 'backup' && j.plan !== undefined)
          .map((j) => j.plan!),
      }),
      emit: (chain) => this.bus.emit({ type: 'chain-changed', chain }),
      onBug,
    });
    // A finished backup changes the chain; the monitor then watches for the offsite copy (when started).
    // The workstation hop changes at once (from the run record); the Pis are checked after that.
    this.bus.subscribe((e) => {
      if (e.type !== 'job-finished' || e.run.kind !== 'backup') return;
      const repo = e.run.repo;
      void this.history.list(RECENT_RUNS).then(
        (entries) =>
          this.bus.emit({
            type: 'chain-changed',
            chain: this.chainFor(
              repo,
              entries.map((x) => x.run),
            ),
          }),
        onBug,
      );
      this.chains.backupFinished(repo);
    });
  }

  /** Loads the configuration (throws `invalid-config` for a bad file, leaving it untouched). */
  static async open(options: EngineOptions): Promise<Engine> {
    const engine = new Engine(options, await loadConfig(options.paths.configFile));
    engine.savedSlots = await readHandledSlots(engine.scheduleStatePath());
    return engine;
  }

  get paths(): RestrayPaths {
    return this.options.paths;
  }

  /** The current configuration (holds no secrets). */
  getConfig(): Config {
    return this.config;
  }

  /** Engine events, `rev` +1 each; returns the unsubscribe function. */
  subscribe(listener: Parameters<EventBus['subscribe']>[0]): () => void {
    return this.bus.subscribe(listener);
  }

  // ---- configuration ------------------------------------------------------------------------------------

  /**
   * Adds a repository and stores its password in the keychain (never anywhere else). With `init: true` stores
   * the password, then runs `restic init` (removing the password again if init fails); with `verify: true`
   * opens the existing repository to prove the password before storing it. Nothing is saved if any step
   * fails. Errors: `invalid-argument` (bad or duplicate name), keychain and restic kinds (`wrong-password`,
   * `repo-not-found` when verifying where no repository is).
   */
  async addRepository(
    input: unknown,
    password: string,
    opts: { init?: boolean; verify?: boolean } = {},
  ): Promise<Repository> {
    const parsed = Repository.safeParse(input);
    if (!parsed.success) {
      throw new RestrayError('invalid-argument', describeZodError(parsed.error, 'repository').join('; '));
    }
    const repo: Repository = { ...parsed.data, id: parsed.data.id ?? randomUUID() };
    if (this.config.repositories.some((r) => r.name === repo.name)) {
      throw new RestrayError('repo-exists', `A repository named "${repo.name}" already exists.`, {
        hint: 'Choose another name, or remove the old one first.',
      });
    }
    if (!password) throw new RestrayError('invalid-argument', 'password: the repository password is empty.');
    const next = validateConfig({ ...this.config, repositories: [...this.config.repositories, repo] });
    const ctx = { ...(await this.contextWithPassword(repo, password)) };
    const account = passwordAccount(repo);
    if (opts.init) {
      // The password is stored first: with the keychain unavailable nothing is created, and a repository is
      // never created whose password is stored nowhere. A failed init takes the stored password back.
      await this.options.secrets.set(account, password);
      try {
        await restic.init(ctx);
      } catch (e) {
        await this.options.secrets.delete(account).catch(() => false);
        throw e;
      }
    } else {
      if (opts.verify) await restic.snapshots(ctx);
      await this.options.secrets.set(account, password);
    }
    await this.commit(next);
    return repo;
  }

  /** `restic init` for a configured repository, with its keychain password. `repo-exists` if already there. */
  async initRepository(name: string): Promise<void> {
    const repo = findRepository(this.config, name);
    await restic.init(await this.context(repo));
  }

  /** Adds or replaces a plan (by name). Validates fields, the cron expression and the repository name. */
  async savePlan(input: unknown, previousName?: string): Promise<Plan> {
    const parsed = Plan.safeParse(input);
    if (!parsed.success)
      throw new RestrayError('invalid-argument', describeZodError(parsed.error, 'plan').join('; '));
    const plan = parsed.data;
    // Loaded on demand: the cron maths pull in luxon, which a one-shot `restray backup` never needs.
    if (plan.schedule !== undefined) (await import('../schedule/slots.js')).validateCron(plan.schedule);
    findRepository(this.config, plan.repo);
    if (plan.prune && plan.retention && keepsNothing(plan.retention))
      throw new RestrayError(
        'invalid-argument',
        `Plan "${plan.name}" would keep no snapshot: its forget after each backup would remove them all.`,
        {
          hint: 'Keep something (for example --keep-hourly 24 --keep-daily 7), or turn forget off (--no-prune).',
        },
      );
    const old = previousName ?? plan.name;
    const plans = [...this.config.plans.filter((p) => p.name !== old && p.name !== plan.name), plan];
    await this.commit(validateConfig({ ...this.config, plans }));
    return plan;
  }

  /** Removes a plan; its snapshots stay. `not-found` for an unknown plan. */
  async deletePlan(name: string): Promise<void> {
    this.findPlan(name);
    await this.commit(
      validateConfig({ ...this.config, plans: this.config.plans.filter((p) => p.name !== name) }),
    );
  }

  /** Replaces the whole config after validation (settings screens); emits config-changed. */
  async replaceConfig(next: Config): Promise<void> {
    await this.commit(validateConfig(next));
  }

  /**
   * Tests and saves the offsite status account and/or offsite restore access of a Pi repository (see
   * checkOffsiteSetup); emits config-changed and checks the chain again. Nothing is saved if a test fails.
   */
  async setOffsite(input: OffsiteSetupRequest): Promise<OffsiteSetupReport> {
    const repo = findRepository(this.config, input.repo);
    const { repo: next, report } = await checkOffsiteSetup(repo, input, this.options.paths.sshDir);
    await this.commit(
      validateConfig({
        ...this.config,
        repositories: this.config.repositories.map((r) => (r.name === repo.name ? next : r)),
      }),
    );
    this.offsiteListings.forget(repo.name);
    void this.refreshChains([repo.name]).catch(() => {});
    return report;
  }

  /**
   * Stores the password of a configured repository in the keychain (lost keychain, new machine) after proving
   * that it opens the repository (`restic snapshots`): `wrong-password` and the keychain kinds otherwise.
   * Emits config-changed so the UI sees `hasPassword`.
   */
  async storePassword(repoName: string, password: string): Promise<void> {
    const repo = findRepository(this.config, repoName);
    if (!password) throw new RestrayError('invalid-argument', 'password: the repository password is empty.');
    await restic.snapshots(await this.contextWithPassword(repo, password));
    await this.options.secrets.set(passwordAccount(repo), password);
    await this.commit(this.config);
  }

  // ---- jobs -----------------------------------------------------------------------------------------------

  /**
   * Queues a backup of the plan (then forget + prune when the plan prunes). A second trigger while one is
   * pending joins it. Returns the job id and its finished run record (which never rejects: failures are
   * records with an ErrorInfo).
   */
  startBackup(planName: string, trigger: Trigger): { jobId: string; done: Promise<RunRecord> } {
    const plan = this.findPlan(planName);
    const repo = findRepository(this.config, plan.repo);
    return this.runner.submit({
      kind: 'backup',
      repo: repo.name,
      plan: plan.name,
      trigger,
      key: `backup:${plan.name}`,
      // restic starts while the keychain is asked for the password (it gets it on stdin).
      work: async (control) =>
        runBackupJob(
          lazyResticContextFor(this.config, repo, this.options.secrets, this.options.paths.stateDir),
          plan,
          repo,
          control,
          resticHost(this.config.settings),
        ),
    });
  }

  /**
   * Cancels a queued or running job; restic removes its lock. `force` (asked a second time) kills restic
   * without waiting for the grace period, then removes its lock. Unknown ids are ignored.
   */
  cancel(jobId: string, opts: { force?: boolean } = {}): void {
    this.runner.cancel(jobId, opts);
  }

  /**
   * `restic forget` with the plan's policy, limited to this host's snapshots of the plan's paths; with
   * `dryRun` nothing changes and the result lists what would go and why the rest stays. On an append-only
   * target a real forget is refused before restic runs (`append-only`): retention runs on the Pi there.
   * `signal` cancels it (restic removes its lock; `cancelled`).
   */
  async forget(
    planName: string,
    opts: { dryRun: boolean; prune?: boolean; signal?: AbortSignal },
  ): Promise<ForgetResult> {
    const plan = this.findPlan(planName);
    const repo = findRepository(this.config, plan.repo);
    if (!plan.retention || Object.values(plan.retention).every((v) => v === undefined)) {
      throw new RestrayError(
        'invalid-argument',
        `Plan "${plan.name}" has no retention policy (keep-last, keep-daily, …).`,
      );
    }
    if (!opts.dryRun && repo.target.kind === 'append-only') {
      throw new RestrayError(
        'append-only',
        `Repository "${repo.name}" is append-only: this workstation cannot delete snapshots.`,
        {
          hint: 'Old snapshots are removed on the Pi by `restray-pi maintain`.',
        },
      );
    }
    const ctx = await this.context(repo);
    return retryAfterStaleLock(
      ctx,
      () =>
        restic.forget(ctx, {
          retention: plan.retention!,
          dryRun: opts.dryRun,
          prune: !opts.dryRun && (opts.prune ?? true),
          host: resticHost(this.config.settings),
          paths: plan.paths,
          ...restic.callOptions(opts),
        }),
      undefined,
      opts.signal,
    );
  }

  /**
   * `restic check`, optionally reading a subset of the data (e.g. `5%`). Runs in the repository's queue.
   * `signal` cancels the job like {@link cancel} (a forced Cancellation kills restic at once).
   */
  async check(
    repoName: string,
    readDataSubset?: string,
    opts: { signal?: AbortSignal } = {},
  ): Promise<{ run: RunRecord; report: string }> {
    const repo = findRepository(this.config, repoName);
    let report = '';
    const { jobId, done } = this.runner.submit({
      kind: 'check',
      repo: repo.name,
      trigger: 'manual',
      key: `check:${readDataSubset ?? ''}`,
      work: async (control) => {
        const ctx = await this.context(repo);
        const log: string[] = [];
        const r = await retryAfterStaleLock(
          ctx,
          () =>
            restic.check(ctx, {
              ...(readDataSubset === undefined ? {} : { readDataSubset }),
              signal: control.signal,
            }),
          () => log.push('removed a stale lock left by an earlier run'),
          control.signal,
        );
        report = r.report;
        return { result: 'success', log: [...log, ...r.report.split('\n')] };
      },
    });
    const unlink = onCancel(opts.signal, (force) => this.cancel(jobId, { force }));
    try {
      return { run: await done, report };
    } finally {
      unlink();
    }
  }

  /**
   * Restores `includes` (everything when empty) of a snapshot as a job with progress. Destination `folder`
   * restores into that folder (default ~/Restored/<date time>), keeping the snapshot's absolute paths below
   * it. Destination `original` restores into a staging folder first, then moves each file to its own place
   * with the conflict choice for files that exist there (see placeRestored).
   */
  startRestore(input: {
    repo: string;
    snapshot: string;
    includes?: string[];
    destination: { kind: 'folder'; path?: string | undefined } | { kind: 'original'; conflict: Conflict };
    home?: string;
  }): { jobId: string; done: Promise<RunRecord> } {
    const repo = findRepository(this.config, input.repo);
    return this.submitRestore(repo, input, async (withHost, target, now, control) =>
      runRestoreJob(await this.context(repo), withHost, target, now, control),
    );
  }

  // ---- reading a repository (shared restic locks: these run alongside a backup) ----------------------------

  /** Snapshots of a repository, oldest first. `signal` cancels (`cancelled`; restic removes its lock). */
  async snapshots(repoName: string, opts: restic.CallOptions = {}): Promise<Snapshot[]> {
    return restic.snapshots(
      await this.context(findRepository(this.config, repoName)),
      restic.callOptions(opts),
    );
  }

  /** The children of one directory of a snapshot. `signal` cancels (`cancelled`). */
  async ls(
    repoName: string,
    snapshot: string,
    dir: string,
    opts: restic.CallOptions = {},
  ): Promise<LsEntry[]> {
    const r = await restic.ls(await this.context(findRepository(this.config, repoName)), {
      snapshot,
      dir,
      ...restic.callOptions(opts),
    });
    return r.entries;
  }

  /** Streams every entry of a snapshot; returns the count. `signal` cancels (`cancelled`). */
  async lsAll(
    repoName: string,
    snapshot: string,
    onEntry: (e: LsEntry) => void,
    opts: restic.CallOptions = {},
  ): Promise<number> {
    const r = await restic.lsStream(await this.context(findRepository(this.config, repoName)), {
      snapshot,
      onEntry,
      ...restic.callOptions(opts),
    });
    return r.count;
  }

  // ---- schedule -------------------------------------------------------------------------------------------

  /** Starts the scheduler: makes up missed slots once and arms every plan's schedule. */
  async startScheduler(): Promise<void> {
    if (this.schedulerLock?.release) return this.armScheduler();
    if (this.schedulerLock) return;
    // One process schedules a configuration's plans: the tray app or the daemon, whichever came first. The
    // other waits (and takes over when the first stops or dies); a plan never runs twice for one slot.
    const wait = new AbortController();
    const lock: { wait: AbortController; release?: () => void } = { wait };
    this.schedulerLock = lock;
    const othersHold = this.locks.holder(SCHEDULER_LOCK) !== undefined;
    const got = this.locks
      .acquire(
        SCHEDULER_LOCK,
        { kind: 'schedule', name: 'plans' },
        {
          signal: wait.signal,
          pollMs: 5_000,
          onWait: () => this.emitSchedule(),
        },
      )
      .then(
        async (release) => {
          lock.release = release;
          if (!wait.signal.aborted) await this.armScheduler();
        },
        () => undefined, // closed while waiting
      );
    if (!othersHold) await got;
    else this.emitSchedule();
  }

  /**
   * Who runs this configuration's schedules: this process, another Restray process (its role and PID), or
   * nobody (no tray app or daemon runs: scheduled plans wait).
   */
  schedulingProcess(): { by: 'this' } | { by: ProcessRole; pid: number } | { by: 'none' } {
    if (this.schedulerLock?.release) return { by: 'this' };
    const h = this.locks.holder(SCHEDULER_LOCK);
    return h ? { by: h.role, pid: h.pid } : { by: 'none' };
  }

  private async armScheduler(): Promise<void> {
    this.scheduler?.stop();
    const { Scheduler } = await import('../schedule/scheduler.js');
    this.scheduler = new Scheduler({
      statePath: this.scheduleStatePath(),
      clock: this.clock,
      onBattery: () => this.onBattery,
      trigger: (plan, reason) => {
        try {
          this.startBackup(plan, reason);
        } catch (e) {
          this.options.onBug?.(e);
        }
      },
    });
    await this.scheduler.start(this.config.plans, this.pausedUntil());
    this.emitSchedule();
    this.chains.start();
  }

  /**
   * Checks the chain (onsite snapshots, offsite status) of the named repositories (default: all) now; emits
   * chain-changed for those that changed and resolves with their chains. Bounded by the ssh timeouts.
   */
  refreshChains(repoNames?: readonly string[]): Promise<ChainStatus[]> {
    return this.chains.refresh(repoNames);
  }

  /** The host reports that the machine woke up: missed slots run once, schedules are re-armed. */
  notifyResume(): void {
    void this.scheduler?.notifyResume().then(() => this.emitSchedule());
  }

  /** The host reports the power source; plans with `notOnBattery` wait while on battery. */
  setOnBattery(onBattery: boolean): void {
    const was = this.onBattery;
    this.onBattery = onBattery;
    if (was && !onBattery) this.notifyResume();
  }

  /** Pauses scheduled runs until `until` (manual runs still work); persisted in the config. */
  async pause(until: Date): Promise<void> {
    await this.commit(validateConfig({ ...this.config, pausedUntil: until.toISOString() }));
    await this.scheduler?.setPausedUntil(until);
    this.emitSchedule();
  }

  /** Ends a pause; a slot missed during it runs once. */
  async resume(): Promise<void> {
    const next = { ...this.config };
    delete next.pausedUntil;
    await this.commit(validateConfig(next));
    await this.scheduler?.setPausedUntil(undefined);
    this.emitSchedule();
  }

  /** Stops the scheduler, cancels running jobs (restic removes its locks) and waits for them. */
  async close(): Promise<void> {
    this.scheduler?.stop();
    this.scheduler = undefined;
    this.schedulerLock?.wait.abort();
    this.schedulerLock?.release?.();
    this.schedulerLock = undefined;
    this.chains.stop();
    await this.runner.cancelAll();
  }

  /** Resolves when no job is pending. */
  idle(): Promise<void> {
    return this.runner.idle();
  }

  // ---- state ----------------------------------------------------------------------------------------------

  /**
   * The full state snapshot for the UI and `restray status`: no password or key material. `keychain` (default
   * the engine's `keychainInState`) says whether to ask the keychain for `hasPassword`.
   */
  async getState(opts: { keychain?: boolean } = {}): Promise<AppState> {
    const entries = await this.history.list(RECENT_RUNS);
    const recentRuns = entries.map((e) => e.run);
    const askKeychain = opts.keychain ?? this.options.keychainInState ?? true;
    const repos: RepoState[] = await Promise.all(
      this.config.repositories.map(async (r) => ({
        name: r.name,
        ...(askKeychain ? { hasPassword: await this.hasPassword(r) } : {}),
        chain: this.chainFor(r.name, recentRuns),
      })),
    );
    const pausedUntil = this.pausedUntil();
    return {
      rev: this.bus.rev,
      config: this.config,
      repos,
      plans: this.planStates(recentRuns),
      jobs: this.runner.jobs(),
      recentRuns,
      ...(pausedUntil ? { pausedUntil: pausedUntil.toISOString() } : {}),
    };
  }

  /** The run record and log of one run; `not-found` for an unknown id. */
  async runLog(runId: string): Promise<{ run: RunRecord; log: string }> {
    const entry = await this.history.latest((r) => r.id === runId);
    if (!entry) throw new RestrayError('not-found', `There is no run with id ${runId}.`);
    return { run: entry.run, log: entry.log.join('\n') };
  }

  // ---- internals ------------------------------------------------------------------------------------------

  private findPlan(name: string): Plan {
    const plan = this.config.plans.find((p) => p.name === name);
    if (!plan) {
      const known = this.config.plans.map((p) => p.name).join(', ') || 'none yet';
      throw new RestrayError('not-found', `There is no plan named "${name}" (known: ${known}).`, {
        hint: 'Add one with `restray plan add` or in the app.',
      });
    }
    return plan;
  }

  private async context(repo: Repository): Promise<restic.ResticContext> {
    return resticContextFor(this.config, repo, this.options.secrets, this.options.paths.stateDir);
  }

  /**
   * Queues a restore job (onsite or offsite): the target folder (chosen, default ~/Restored/<date>, or a
   * staging folder for the original place), the run's time, and this workstation's restic host so that
   * `latest` means its own newest snapshot.
   */
  private submitRestore<I extends { destination: Destination; home?: string | undefined }>(
    repo: Repository,
    input: I,
    work: (
      input: I & { host: string },
      target: string,
      now: Date,
      control: JobControl,
    ) => Promise<JobOutcome>,
  ): { jobId: string; done: Promise<RunRecord> } {
    const now = this.clock.now();
    const target = restoreTarget(
      input.destination,
      this.options.paths.stateDir,
      input.home ?? homedir(),
      now,
    );
    const withHost = { ...input, host: resticHost(this.config.settings) };
    return this.runner.submit({
      kind: 'restore',
      repo: repo.name,
      trigger: 'manual',
      key: `restore:${randomUUID()}`,
      work: (control) => work(withHost, target, now, control),
    });
  }

  /** The restic context of a configured repository (password from the keychain). */
  contextFor(repo: Repository): Promise<restic.ResticContext> {
    return this.context(repo);
  }

  /**
   * The restic context for the newest (or a chosen) verified offsite generation of a repository, through the
   * read-only account on the offsite Pi (read-only SFTP, restic `--no-lock`; see core/status/offsite-access.ts).
   * `not-found` when the repository has no offsite access configured or no usable generation; ssh kinds when
   * the offsite Pi cannot be reached.
   */
  async offsiteContextFor(repo: Repository, choice: GenerationChoice = {}): Promise<restic.ResticContext> {
    offsiteAccessOf(repo);
    return (
      await resolveOffsiteContext(await this.context(repo), repo, this.options.paths.stateDir, choice, {
        inspect: (access) => this.offsiteListings.get(repo.name, access),
      })
    ).ctx;
  }

  /**
   * Restores from the offsite copy as a restore job (same destinations and conflict choices as startRestore),
   * from the generation `input.generation` or the newest verified one holding the snapshot. Throws `not-found`
   * at once when no offsite access is configured; everything else ends up in the run record.
   */
  async startOffsiteRestore(
    input: OffsiteRestoreInput,
  ): Promise<{ jobId: string; done: Promise<RunRecord> }> {
    const repo = findRepository(this.config, input.repo);
    offsiteAccessOf(repo);
    return this.submitRestore(repo, input, (withHost, target, now, control) =>
      runOffsiteRestore(
        async (choice, signal) =>
          resolveOffsiteContext(await this.context(repo), repo, this.options.paths.stateDir, choice, {
            signal,
          }),
        withHost,
        target,
        now,
        control,
      ),
    );
  }

  /**
   * Changes the repository password crash-safely (see changeRepoPassword): add the new key, store it in the
   * keychain, then remove the old key. The new password is never written to a file. If the old key could not
   * be removed, both passwords open the repository and the result says so.
   */
  async changePassword(repoName: string, next: string): Promise<{ oldKeyRemoved: boolean }> {
    const repo = findRepository(this.config, repoName);
    return changeRepoPassword(await this.context(repo), this.options.secrets, passwordAccount(repo), next);
  }

  private async contextWithPassword(repo: Repository, password: string): Promise<restic.ResticContext> {
    const store: SecretStore = {
      get: async () => password,
      set: async () => {},
      delete: async () => false,
    };
    return resticContextFor(this.config, repo, store, this.options.paths.stateDir);
  }

  private async hasPassword(repo: Repository): Promise<boolean> {
    try {
      return (await this.options.secrets.get(passwordAccount(repo))) !== undefined;
    } catch {
      return false;
    }
  }

  private scheduleStatePath(): string {
    return join(this.options.paths.stateDir, 'schedule.json');
  }

  private pausedUntil(): Date | undefined {
    const p = this.config.pausedUntil;
    if (!p) return undefined;
    const d = new Date(p);
    return d.getTime() > this.clock.now().getTime() ? d : undefined;
  }

  private planStates(recentRuns: RunRecord[]): PlanState[] {
    // Another process schedules: its next slots are the same pure maths on the same config.
    const who = this.schedulingProcess();
    const paused = this.pausedUntil();
    const from = paused ?? this.clock.now();
    const next = new Map(
      this.scheduler
        ? this.scheduler.nextRuns().map((n) => [n.plan, n.at.toISOString()])
        : who.by === 'none'
          ? []
          : this.config.plans.flatMap((p) =>
              p.schedule ? [[p.name, nextSlot(p.schedule, from).toISOString()]] : [],
            ),
    );
    return this.config.plans.map((p) => {
      const lastRun = recentRuns.find((r) => r.plan === p.name && r.kind === 'backup');
      const nextRun = next.get(p.name);
      const scheduledBy = !p.schedule ? undefined : who.by === 'this' ? (this.options.role ?? 'cli') : who.by;
      return {
        name: p.name,
        ...(nextRun ? { nextRun } : {}),
        ...(lastRun ? { lastRun } : {}),
        ...(scheduledBy ? { scheduledBy } : {}),
      };
    });
  }

  /** The chain as last checked (core/status/chain-monitor.ts); never does I/O. */
  private chainFor(repoName: string, recentRuns: RunRecord[]): ChainStatus {
    return this.chains.chain(repoName, recentRuns);
  }

  private async commit(next: Config): Promise<void> {
    await saveConfig(this.options.paths.configFile, next);
    this.config = next;
    const repos = (await this.getState()).repos;
    this.bus.emit({ type: 'config-changed', config: next, repos });
    if (this.scheduler) {
      await this.scheduler.setPlans(next.plans);
      this.emitSchedule();
    }
  }

  private emitSchedule(): void {
    const pausedUntil = this.pausedUntil();
    void this.history.list(RECENT_RUNS).then((entries) => {
      this.bus.emit({
        type: 'schedule-changed',
        plans: this.planStates(entries.map((e) => e.run)),
        ...(pausedUntil ? { pausedUntil: pausedUntil.toISOString() } : {}),
      });
    });
  }
}
