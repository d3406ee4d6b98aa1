import type { AppState, EngineEvent, Job, RunRecord } from '../../contract/app-state.js';
import { CONFIG_VERSION } from '../../contract/config.js';
import type { DirEntry, Snapshot } from '../../contract/browse.js';
import { encodePairingLine } from '../../contract/pairing-line.js';
import type { ParsedInput, RequestOutput } from '../../contract/ipc.js';
import { RestrayError } from '../../core/errors.js';
import type { EnginePort } from '../../electron/main/engine-port.js';

/**
 * An in-memory EnginePort for component tests and the e2e harness smoke test. No Node APIs (it also runs in
 * jsdom). It is a stand-in only: acceptance flows run against core/engine.ts.
 */

type Body = EngineEvent extends infer E ? (E extends unknown ? Omit<E, 'rev'> : never) : never;

const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3_600_000;

export function sampleSnapshots(now: number, count = 3): Snapshot[] {
  return Array.from({ length: count }, (_, i) => ({
    id: (i + 1).toString(16).padStart(8, '0').repeat(8),
    time: iso(now - (count - i) * 24 * HOUR),
    hostname: 'workstation',
    paths: ['/home/ada'],
    dataAdded: 1_000_000 * (i + 1),
    offsite: i < count - 1,
  }));
}

/** A configured app: one Pi repository, one scheduled plan, a recent success, newest snapshot not yet offsite. */
export function sampleState(now: number): AppState {
  const snaps = sampleSnapshots(now);
  const newest = snaps[snaps.length - 1]!;
  const lastRun: RunRecord = {
    id: 'run-3',
    kind: 'backup',
    repo: 'pi',
    plan: 'home',
    trigger: 'schedule',
    startedAt: iso(now - 24 * HOUR - 60_000),
    endedAt: newest.time,
    result: 'success',
    backup: {
      snapshotId: newest.id,
      filesNew: 12,
      filesChanged: 3,
      filesUnmodified: 20_000,
      dataAdded: 3_000_000,
      totalFilesProcessed: 20_015,
      totalBytesProcessed: 5_000_000_000,
    },
  };
  return {
    rev: 0,
    config: {
      version: CONFIG_VERSION,
      repositories: [
        {
          name: 'pi',
          target: {
            kind: 'append-only',
            path: '/',
            user: 'restic',
            host: 'pi.local',
            port: 22,
            sshKey: '/home/ada/.config/restray/keys/pi',
            knownHosts: '/home/ada/.config/restray/keys/pi.known_hosts',
          },
        },
      ],
      plans: [
        {
          name: 'home',
          repo: 'pi',
          paths: ['/home/ada'],
          excludes: ['**/node_modules', '**/.cache'],
          schedule: '0 * * * *',
          retention: { keepDaily: 7, keepWeekly: 4, keepMonthly: 12 },
          prune: false,
          conditions: { notOnBattery: false },
        },
      ],
      notifications: { level: 'warnings', staleAfterDays: 3, offsiteLagHours: 24 },
      settings: { launchAtLogin: false },
    },
    repos: [
      {
        name: 'pi',
        hasPassword: true,
        chain: {
          repo: 'pi',
          verdict: 'not-yet-offsite',
          workstation: {
            lastSuccess: newest.time,
            lastResult: 'success',
            newestSnapshot: { id: newest.id, time: newest.time },
          },
          onsite: { state: 'ok', lastSuccess: newest.time },
          offsite: {
            state: 'behind',
            lastSuccess: snaps[1]!.time,
            newestConfirmed: { id: snaps[1]!.id, time: snaps[1]!.time },
            lagSeconds: 3 * 3600,
            snapshotsBehind: 1,
          },
          checkedAt: iso(now - 60_000),
        },
      },
    ],
    plans: [{ name: 'home', nextRun: iso(now + HOUR), lastRun }],
    jobs: [],
    recentRuns: [
      lastRun,
      {
        id: 'run-2',
        kind: 'backup',
        repo: 'pi',
        plan: 'home',
        trigger: 'schedule',
        startedAt: iso(now - 48 * HOUR - 60_000),
        endedAt: iso(now - 48 * HOUR),
        result: 'partial',
        warnings: ['/home/ada/locked.db: permission denied'],
      },
    ],
  };
}

/** A small tree: /home/ada/{Documents/{report.odt,notes.txt},photo.jpg}. */
export function sampleTree(): Map<string, DirEntry[]> {
  const f = (path: string, size: number): DirEntry => ({
    name: path.split('/').pop()!,
    path,
    type: 'file',
    size,
    mtime: '2026-01-02T10:00:00.000Z',
  });
  const d = (path: string): DirEntry => ({ name: path.split('/').pop()!, path, type: 'dir' });
  return new Map([
    ['/', [d('/home')]],
    ['/home', [d('/home/ada')]],
    ['/home/ada', [d('/home/ada/Documents'), f('/home/ada/photo.jpg', 2_400_000)]],
    [
      '/home/ada/Documents',
      [f('/home/ada/Documents/notes.txt', 1200), f('/home/ada/Documents/report.odt', 48_000)],
    ],
  ]);
}

export interface FakeEngineOptions {
  state?: AppState;
  snapshots?: Snapshot[];
  tree?: Map<string, DirEntry[]>;
  /** Delay between simulated progress steps (jobs run on timers so a UI can watch them). */
  stepMs?: number;
  /** Makes the next backups fail with this error. */
  failBackupsWith?: { kind: 'network'; message: string; hint?: string };
  now?: () => number;
}

export class FakeEngine implements EnginePort {
  state: AppState;
  snapshots: Snapshot[];
  tree: Map<string, DirEntry[]>;
  readonly calls: { name: string; input: unknown }[] = [];
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private readonly now: () => number;
  private seq = 0;
  failBackupsWith: FakeEngineOptions['failBackupsWith'];
  storedPasswords = new Map<string, string>();

  constructor(private readonly options: FakeEngineOptions = {}) {
    this.now = options.now ?? (() => Date.now());
    this.state = options.state ?? sampleState(this.now());
    this.snapshots = options.snapshots ?? sampleSnapshots(this.now());
    this.tree = options.tree ?? sampleTree();
    this.failBackupsWith = options.failBackupsWith;
  }

  private record(name: string, input?: unknown) {
    this.calls.push({ name, input });
  }

  /** Applies a change to the state and pushes it as an event. */
  emit(body: Body): void {
    const event = { ...body, rev: this.state.rev + 1 } as EngineEvent;
    this.state = { ...this.state, rev: event.rev };
    switch (event.type) {
      case 'job-updated':
        this.state.jobs = [...this.state.jobs.filter((j) => j.id !== event.job.id), event.job];
        break;
      case 'job-progress':
        this.state.jobs = this.state.jobs.map((j) =>
          j.id === event.jobId ? { ...j, state: 'running', progress: event.progress } : j,
        );
        break;
      case 'job-finished':
        this.state.jobs = this.state.jobs.filter((j) => j.id !== event.jobId);
        this.state.recentRuns = [event.run, ...this.state.recentRuns];
        if (event.run.kind === 'backup')
          this.state.plans = this.state.plans.map((p) =>
            p.name === event.run.plan ? { ...p, lastRun: event.run } : p,
          );
        break;
      case 'config-changed':
        this.state.config = event.config;
        this.state.repos = event.repos;
        break;
      case 'schedule-changed':
        this.state.plans = event.plans;
        if (event.pausedUntil) this.state.pausedUntil = event.pausedUntil;
        else delete this.state.pausedUntil;
        break;
      case 'chain-changed':
        this.state.repos = this.state.repos.map((r) =>
          r.name === event.chain.repo ? { ...r, chain: event.chain } : r,
        );
        break;
      case 'resync':
        break;
    }
    for (const l of this.listeners) l(event);
  }

  private later(fn: () => void, steps = 1) {
    setTimeout(fn, (this.options.stepMs ?? 20) * steps);
  }

  private startJob(job: Omit<Job, 'id' | 'queuedAt' | 'state'>, finish: (job: Job) => RunRecord): string {
    const id = `job-${++this.seq}`;
    const queued: Job = { ...job, id, state: 'queued', queuedAt: iso(this.now()) };
    this.emit({ type: 'job-updated', job: queued });
    const running: Job = { ...queued, state: 'running', startedAt: iso(this.now()) };
    this.later(() => {
      if (!this.state.jobs.some((j) => j.id === id)) return;
      this.emit({ type: 'job-updated', job: running });
      for (const [i, fraction] of [0.25, 0.5, 0.75].entries()) {
        this.later(() => {
          if (!this.state.jobs.some((j) => j.id === id && j.state === 'running')) return;
          this.emit({
            type: 'job-progress',
            jobId: id,
            progress: {
              fraction,
              bytesDone: fraction * 1e8,
              bytesTotal: 1e8,
              filesDone: Math.round(fraction * 400),
              filesTotal: 400,
              secondsRemaining: Math.round((1 - fraction) * 40),
              currentFiles: [`/home/ada/Documents/file-${i}.txt`],
            },
          });
        }, i + 1);
      }
      this.later(() => {
        if (!this.state.jobs.some((j) => j.id === id && j.state === 'running')) return;
        this.emit({ type: 'job-finished', jobId: id, run: { ...finish(running), jobId: id } });
      }, 5);
    });
    return id;
  }

  async getState(): Promise<RequestOutput<'getState'>> {
    this.record('getState');
    return structuredClone(this.state);
  }
  async testRestore({ repo }: ParsedInput<'testRestore'>) {
    this.record('testRestore', { repo });
    if (!this.state.repos.some((r) => r.name === repo))
      throw new RestrayError('not-found', `There is no repository named “${repo}”.`);
    const jobId = this.startJob({ kind: 'drill', repo, trigger: 'manual' }, (job) => ({
      id: `run-${job.id}`,
      kind: 'drill' as const,
      repo,
      trigger: 'manual' as const,
      startedAt: job.startedAt!,
      endedAt: iso(this.now()),
      result: 'success' as const,
      drill: {
        from: 'offsite' as const,
        comparedWith: 'onsite' as const,
        snapshot: 'a'.repeat(64),
        files: 20,
        bytes: 5_000_000,
        failures: [],
      },
    }));
    return { jobId };
  }
  async backupNow({ plan }: ParsedInput<'backupNow'>) {
    this.record('backupNow', { plan });
    const p = this.state.config.plans.find((x) => x.name === plan);
    if (!p) throw new RestrayError('not-found', `There is no plan named “${plan}”.`);
    const jobId = this.startJob({ kind: 'backup', repo: p.repo, plan, trigger: 'manual' }, (job) => {
      const base = {
        id: `run-${job.id}`,
        kind: 'backup' as const,
        repo: p.repo,
        plan,
        trigger: 'manual' as const,
        startedAt: job.startedAt!,
        endedAt: iso(this.now()),
      };
      if (this.failBackupsWith) return { ...base, result: 'failed', error: this.failBackupsWith };
      const snapshotId = `${job.id}`.padEnd(64, 'a');
      this.snapshots = [
        ...this.snapshots,
        { id: snapshotId, time: base.endedAt, hostname: 'workstation', paths: p.paths, dataAdded: 42_000 },
      ];
      return {
        ...base,
        result: 'success',
        backup: {
          snapshotId,
          filesNew: 1,
          filesChanged: 2,
          filesUnmodified: 397,
          dataAdded: 42_000,
          totalFilesProcessed: 400,
          totalBytesProcessed: 1e8,
        },
      };
    });
    return { jobId };
  }
  async cancel({ jobId }: ParsedInput<'cancel'>) {
    this.record('cancel', { jobId });
    const job = this.state.jobs.find((j) => j.id === jobId);
    if (!job) return;
    this.emit({ type: 'job-updated', job: { ...job, state: 'cancelling' } });
    this.later(() =>
      this.emit({
        type: 'job-finished',
        jobId,
        run: {
          id: `run-${jobId}`,
          jobId,
          kind: job.kind,
          repo: job.repo,
          ...(job.plan ? { plan: job.plan } : {}),
          trigger: job.trigger,
          startedAt: job.startedAt ?? job.queuedAt,
          endedAt: iso(this.now()),
          result: 'cancelled',
        },
      }),
    );
  }
  async pause({ until }: ParsedInput<'pause'>) {
    this.record('pause', { until });
    this.emit({ type: 'schedule-changed', plans: this.state.plans, pausedUntil: until });
  }
  async resume() {
    this.record('resume');
    this.emit({ type: 'schedule-changed', plans: this.state.plans });
  }
  async listSnapshots(input: ParsedInput<'listSnapshots'>) {
    this.record('listSnapshots', input);
    return structuredClone(this.snapshots);
  }
  async diffSnapshots(input: ParsedInput<'diffSnapshots'>) {
    this.record('diffSnapshots', input);
    return {
      changes: [
        { path: '/home/ada/Documents/notes.txt', modifier: 'M' as const },
        { path: '/home/ada/photo.jpg', modifier: '+' as const },
        { path: '/home/ada/old.txt', modifier: '-' as const },
      ],
      truncated: false,
      added: { files: 1, bytes: 2_400_000 },
      removed: { files: 1, bytes: 300 },
      changedFiles: 1,
    };
  }
  async listDir(input: ParsedInput<'listDir'>) {
    this.record('listDir', input);
    const entries = this.tree.get(input.path);
    if (!entries) throw new RestrayError('not-found', `${input.path} is not in this snapshot.`);
    return { entries };
  }
  async searchFiles(input: ParsedInput<'searchFiles'>) {
    this.record('searchFiles', input);
    const needle = input.pattern.toLowerCase().replaceAll('*', '');
    const files = [...this.tree.values()].flat().filter((e) => e.name.toLowerCase().includes(needle));
    const snaps = input.snapshot
      ? this.snapshots.filter((s) => s.id === input.snapshot)
      : [...this.snapshots].reverse();
    const hits = snaps.flatMap((s) =>
      files.map((e) => ({
        snapshotId: s.id,
        snapshotTime: s.time,
        path: e.path,
        type: e.type,
        ...(e.size !== undefined ? { size: e.size } : {}),
      })),
    );
    return { hits: hits.slice(0, input.limit), truncated: hits.length > input.limit };
  }
  async restore(input: ParsedInput<'restore'>) {
    this.record('restore', input);
    const target =
      input.destination.kind === 'original'
        ? '/'
        : (input.destination.path ?? '/home/ada/Restored/2026-01-02 10-00');
    const jobId = this.startJob({ kind: 'restore', repo: input.repo, trigger: 'manual' }, (job) => ({
      id: `run-${job.id}`,
      jobId: job.id,
      kind: 'restore',
      repo: input.repo,
      trigger: 'manual',
      startedAt: job.startedAt!,
      endedAt: iso(this.now()),
      result: 'success',
      restore: { target, paths: input.includes, filesRestored: input.includes.length, bytesRestored: 49_200 },
    }));
    return { jobId };
  }
  async forgetPreview(input: ParsedInput<'forgetPreview'>) {
    this.record('forgetPreview', input);
    const [first, ...rest] = this.snapshots;
    return {
      keep: rest.map((s) => ({ id: s.id, time: s.time, reasons: ['daily snapshot'] })),
      remove: first ? [{ id: first.id, time: first.time }] : [],
    };
  }
  async generateKey(input: ParsedInput<'generateKey'>) {
    this.record('generateKey', input);
    const publicKey = `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFakeFakeFakeFakeFakeFakeFakeFake restray-${input.repo}`;
    return {
      sshKey: `/home/ada/.config/restray/keys/${input.repo}`,
      knownHosts: `/home/ada/.config/restray/keys/${input.repo}.known_hosts`,
      publicKey,
      provisionCommand: `sudo restray-pi provision onsite --repo ${input.path} --user ${input.user} --profile ${input.profile} --key '${publicKey}'`,
      pairingLine: encodePairingLine('workstation', {
        name: input.repo,
        key: publicKey,
        mode: input.profile,
        user: input.user,
        path: input.path,
      }),
    };
  }
  async scanHostKey(input: ParsedInput<'scanHostKey'>) {
    this.record('scanHostKey', input);
    return [{ type: 'ssh-ed25519', fingerprint: 'SHA256:q8XyKkK0bD3fPq4cL6s1m0Gx2R7o1v9yT2eN5wA3bC4' }];
  }
  async confirmHostKey(input: ParsedInput<'confirmHostKey'>) {
    this.record('confirmHostKey', input);
  }
  async offsiteCommand(input: ParsedInput<'offsiteCommand'>) {
    this.record('offsiteCommand', input);
    const publicKey = `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFakeFakeFakeFakeFakeFakeFakeFake restray-${input.repo}`;
    return {
      publicKey,
      provisionCommand: `sudo restray-pi provision offsite --root ${input.path} --restore-user ${input.user} --restore-key '${publicKey}'`,
    };
  }
  async saveOffsite(input: ParsedInput<'saveOffsite'>) {
    this.record('saveOffsite', input);
    const repositories = this.state.config.repositories.map((r) => {
      if (r.name !== input.repo || r.target.kind === 'local') return r;
      const { offsite: _o, offsiteStatusUser: _s, offsiteStatusKey: pinned, ...rest } = r;
      const statusKey = input.statusKey === undefined ? pinned : input.statusKey;
      return {
        ...rest,
        ...(input.statusUser ? { offsiteStatusUser: input.statusUser } : {}),
        ...(statusKey ? { offsiteStatusKey: statusKey } : {}),
        ...(input.access
          ? {
              offsite: {
                ...input.access,
                sshKey: r.target.sshKey,
                knownHosts: `${r.target.sshKey}.offsite.known_hosts`,
              },
            }
          : {}),
      };
    });
    this.emit({
      type: 'config-changed',
      config: { ...this.state.config, repositories },
      repos: this.state.repos,
    });
    return input.access
      ? { generations: 3, newestGeneration: '20260301T031500Z', notes: [] }
      : { generations: 0, notes: [] };
  }
  async testConnection(input: ParsedInput<'testConnection'>) {
    this.record('testConnection', input);
    return {
      latencyMs: 4,
      uploadBytesPerSecond: 11e6,
      downloadBytesPerSecond: 11.5e6,
      repository: 'absent' as const,
      resticVersion: '0.14.0',
    };
  }
  async createRepository(input: ParsedInput<'createRepository'>) {
    this.record('createRepository', { ...input, password: input.password.kind });
    const password =
      input.password.kind === 'typed' ? input.password.value : 'correct-horse-battery-staple-42';
    this.storedPasswords.set(input.repository.name, password);
    const config = {
      ...this.state.config,
      repositories: [
        ...this.state.config.repositories.filter((r) => r.name !== input.repository.name),
        input.repository,
      ],
    };
    this.emit({
      type: 'config-changed',
      config,
      repos: [
        ...this.state.repos.filter((r) => r.name !== input.repository.name),
        {
          name: input.repository.name,
          hasPassword: true,
          chain: {
            repo: input.repository.name,
            verdict: 'no-backup',
            workstation: {},
            onsite: { state: 'ok' },
            offsite: { state: 'not-configured' },
          },
        },
      ],
    });
    return {
      repo: input.repository.name,
      location:
        input.repository.target.kind === 'local'
          ? input.repository.target.path
          : `sftp:${input.repository.target.user}@${input.repository.target.host}:${input.repository.target.path}`,
      createdAt: iso(this.now()),
      commands: ['restic -r LOCATION snapshots', 'restic -r LOCATION restore latest --target ~/Restored'],
      ...(input.password.kind === 'generate' ? { generatedPassword: password } : {}),
    };
  }
  async recoverySheet({ repo }: ParsedInput<'recoverySheet'>) {
    this.record('recoverySheet', { repo });
    return {
      repo,
      location: 'sftp:restic@pi.local:/',
      createdAt: iso(this.now()),
      commands: ['restic -r sftp:restic@pi.local:/ snapshots'],
    };
  }
  async savePlan({ plan, previousName }: ParsedInput<'savePlan'>) {
    this.record('savePlan', { plan, previousName });
    const old = previousName ?? plan.name;
    const plans = [...this.state.config.plans.filter((p) => p.name !== old), plan];
    this.emit({ type: 'config-changed', config: { ...this.state.config, plans }, repos: this.state.repos });
    const planStates = [
      ...this.state.plans.filter((p) => p.name !== old),
      { name: plan.name, ...(plan.schedule ? { nextRun: iso(this.now() + HOUR) } : {}) },
    ];
    this.emit({
      type: 'schedule-changed',
      plans: planStates,
      ...(this.state.pausedUntil ? { pausedUntil: this.state.pausedUntil } : {}),
    });
  }
  async deletePlan({ name }: ParsedInput<'deletePlan'>) {
    this.record('deletePlan', { name });
    this.emit({
      type: 'config-changed',
      config: { ...this.state.config, plans: this.state.config.plans.filter((p) => p.name !== name) },
      repos: this.state.repos,
    });
  }
  async saveSettings(input: ParsedInput<'saveSettings'>) {
    this.record('saveSettings', input);
    this.emit({
      type: 'config-changed',
      config: {
        ...this.state.config,
        ...(input.notifications ? { notifications: input.notifications } : {}),
        ...(input.settings ? { settings: input.settings } : {}),
      },
      repos: this.state.repos,
    });
  }
  async changePassword(input: ParsedInput<'changePassword'>) {
    this.record('changePassword', { repo: input.repo, password: input.password.kind });
    return input.password.kind === 'generate' ? { generatedPassword: 'new-generated-password-7' } : {};
  }
  async setPassword(input: ParsedInput<'setPassword'>) {
    this.record('setPassword', { repo: input.repo });
    this.storedPasswords.set(input.repo, input.password);
    this.emit({
      type: 'config-changed',
      config: this.state.config,
      repos: this.state.repos.map((r) => (r.name === input.repo ? { ...r, hasPassword: true } : r)),
    });
  }
  async getRunLog({ runId }: ParsedInput<'getRunLog'>) {
    this.record('getRunLog', { runId });
    const run = this.state.recentRuns.find((r) => r.id === runId);
    if (!run) throw new RestrayError('not-found', `There is no run ${runId}.`);
    return {
      run,
      log: `restic backup --json …\n${run.result}${run.error ? `: ${run.error.message}` : ''}\n`,
    };
  }
  subscribe(listener: (e: EngineEvent) => void) {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
  notifyResume() {
    this.record('notifyResume');
  }
  setOnBattery(onBattery: boolean) {
    this.record('setOnBattery', { onBattery });
  }
}
