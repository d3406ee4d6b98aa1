import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { AppState, EngineEvent } from '../../contract/app-state.js';
import type { DirEntry, ForgetPreview, SearchHit, Snapshot, SnapshotDiff } from '../../contract/browse.js';
import type { Config, Notifications, Plan, Repository, Retention, Settings } from '../../contract/config.js';
import type {
  ConnectionReport,
  CreateRepositoryRequest,
  GeneratedKey,
  HostKey,
  OffsiteCommand,
  OffsiteSetupReport,
  OffsiteSetupRequest,
  PasswordChoice,
  PiEndpoint,
  RecoverySheet,
} from '../../contract/setup.js';
import type { Destination } from '../../contract/browse.js';
import type { RepoTarget } from '../../contract/config.js';
import { RestrayError } from '../errors.js';
import * as restic from '../restic/index.js';
import { pinHostKey, scanHostKey } from '../ssh/host-key.js';
import { generateRepoKey, readPublicKey } from '../ssh/keys.js';
import { testConnection } from '../ssh/connection-test.js';
import { resticHost } from './backup-job.js';
import { BrowseService, requireSnapshot, toUiSnapshot } from './browse-service.js';
import type { Engine } from './engine.js';
import { recoverySheet, shellQuote } from './recovery-sheet.js';
import { findRepository } from './repo-context.js';
import { offsiteKnownHosts, offsiteProvisionCommand, sshTargetOf } from './offsite-setup.js';

type Source = 'onsite' | 'offsite';

/** A generated repository password: 32 characters from 24 random bytes. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The engine as the tray app sees it: one method per request of contract/ipc.ts (it satisfies EnginePort in
 * electron/main/engine-port.ts structurally, as core must not import electron/). Inputs arrive validated.
 */
export class AppEngine {
  private readonly browse = new BrowseService();
  private readonly scanned = new Map<string, { lines: string[]; fingerprint: string }>();

  constructor(readonly engine: Engine) {}

  getState(): Promise<AppState> {
    return this.engine.getState();
  }

  subscribe(listener: (e: EngineEvent) => void): () => void {
    return this.engine.subscribe(listener);
  }

  notifyResume(): void {
    this.engine.notifyResume();
  }

  setOnBattery(onBattery: boolean): void {
    this.engine.setOnBattery(onBattery);
  }

  async backupNow(input: { plan: string }): Promise<{ jobId: string }> {
    return { jobId: this.engine.startBackup(input.plan, 'manual').jobId };
  }

  async testRestore(input: { repo: string }): Promise<{ jobId: string }> {
    return { jobId: this.engine.startDrill({ repo: input.repo }).jobId };
  }

  async cancel(input: { jobId: string }): Promise<void> {
    this.engine.cancel(input.jobId);
  }

  async pause(input: { until: string }): Promise<void> {
    await this.engine.pause(new Date(input.until));
  }

  async resume(): Promise<void> {
    await this.engine.resume();
  }

  async listSnapshots(input: { repo: string; source: Source }): Promise<Snapshot[]> {
    const ctx = await this.context(input.repo, input.source);
    const runs = (await this.engine.getState()).recentRuns;
    return (await restic.snapshots(ctx)).map((s) => toUiSnapshot(s, runs));
  }

  async diffSnapshots(input: { repo: string; from: string; to: string }): Promise<SnapshotDiff> {
    return this.browse.diff(await this.context(input.repo, 'onsite'), input.from, input.to);
  }

  async listDir(input: {
    repo: string;
    snapshot: string;
    path: string;
    source: Source;
  }): Promise<{ entries: DirEntry[] }> {
    const ctx = await this.context(input.repo, input.source);
    return {
      entries: await this.browse.listDir(ctx, `${input.source}:${input.repo}`, input.snapshot, input.path),
    };
  }

  /** Resolves when the background tree listing of the snapshot is complete (benchmarks, tests). */
  treeReady(repo: string, snapshot: string, source: Source = 'onsite'): Promise<void> {
    return this.browse.treeReady(`${source}:${repo}`, snapshot);
  }

  cachedEntries(repo: string, snapshot: string, source: Source = 'onsite'): number | undefined {
    return this.browse.cachedEntries(`${source}:${repo}`, snapshot);
  }

  async searchFiles(input: {
    repo: string;
    pattern: string;
    snapshot?: string | undefined;
    limit: number;
    source: Source;
  }): Promise<{ hits: SearchHit[]; truncated: boolean }> {
    const ctx = await this.context(input.repo, input.source);
    const snaps = await restic.snapshots(ctx);
    if (input.snapshot) requireSnapshot(snaps, input.snapshot);
    return this.browse.search(ctx, snaps, input.pattern, input.limit, input.snapshot);
  }

  async restore(input: {
    repo: string;
    snapshot: string;
    includes: string[];
    destination: Destination;
    source: Source;
  }): Promise<{ jobId: string }> {
    if (input.source === 'offsite') {
      return { jobId: (await this.engine.startOffsiteRestore(input)).jobId };
    }
    return {
      jobId: this.engine.startRestore({
        repo: input.repo,
        snapshot: input.snapshot,
        includes: input.includes,
        destination: input.destination,
      }).jobId,
    };
  }

  async forgetPreview(input: {
    repo: string;
    retention: Retention;
    plan?: string | undefined;
  }): Promise<ForgetPreview> {
    const config = this.engine.getConfig();
    const repo = findRepository(config, input.repo);
    const plan = input.plan ? config.plans.find((p) => p.name === input.plan) : undefined;
    const result = await restic.forget(await this.engine.contextFor(repo), {
      retention: input.retention,
      dryRun: true,
      host: resticHost(config.settings),
      ...(plan ? { paths: plan.paths } : {}),
    });
    return {
      keep: result.groups.flatMap((g) =>
        g.keep.map((k) => ({
          id: k.snapshot.id,
          time: new Date(k.snapshot.time).toISOString(),
          reasons: k.reasons,
        })),
      ),
      remove: result.groups.flatMap((g) =>
        g.remove.map((s) => ({ id: s.id, time: new Date(s.time).toISOString() })),
      ),
    };
  }

  async generateKey(input: PiEndpoint): Promise<GeneratedKey> {
    const sshDir = this.engine.paths.sshDir;
    const privatePath = join(sshDir, input.repo);
    let publicKey: string;
    try {
      publicKey = (await generateRepoKey(sshDir, input.repo)).publicLine;
    } catch (e) {
      // A key made in an earlier, unfinished run of the wizard is reused: the Pi may already trust it.
      if (e instanceof RestrayError && e.kind === 'invalid-argument' && /already exists/.test(e.message)) {
        publicKey = await readPublicKey(privatePath);
      } else throw e;
    }
    const provisionCommand = [
      'sudo restray-pi provision onsite',
      `--repo ${shellQuote(input.path)}`,
      `--mode ${input.profile}`,
      `--user ${shellQuote(input.user)}`,
      `--workstation-key ${shellQuote(publicKey)}`,
    ].join(' ');
    return {
      sshKey: privatePath,
      knownHosts: join(sshDir, `${input.repo}.known_hosts`),
      publicKey,
      provisionCommand,
    };
  }

  async scanHostKey(input: { host: string; port: number }): Promise<HostKey[]> {
    const scanned = await scanHostKey(input.host, input.port);
    this.scanned.set(`${input.host}:${input.port}`, scanned);
    return [{ type: 'ssh-ed25519', fingerprint: scanned.fingerprint }];
  }

  async confirmHostKey(input: {
    repo: string;
    host: string;
    port: number;
    fingerprint: string;
    hop: 'onsite' | 'offsite';
  }): Promise<void> {
    // Scan again: the key pinned must be the one the user compared, not whatever answered first.
    const now = await scanHostKey(input.host, input.port);
    if (now.fingerprint !== input.fingerprint) {
      throw new RestrayError(
        'host-key-mismatch',
        `The Pi's host key is ${now.fingerprint}, not the ${input.fingerprint} you confirmed.`,
        {
          hint: 'Compare the fingerprint on the Pi (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and scan again.',
        },
      );
    }
    const sshDir = this.engine.paths.sshDir;
    pinHostKey(
      input.hop === 'offsite'
        ? offsiteKnownHosts(sshDir, input.repo)
        : join(sshDir, `${input.repo}.known_hosts`),
      now.lines,
    );
  }

  async offsiteCommand(input: { repo: string; user: string; path: string }): Promise<OffsiteCommand> {
    const repo = findRepository(this.engine.getConfig(), input.repo);
    const publicKey = await readPublicKey(sshTargetOf(repo).sshKey);
    return { publicKey, provisionCommand: offsiteProvisionCommand(repo, publicKey, input) };
  }

  saveOffsite(input: OffsiteSetupRequest): Promise<OffsiteSetupReport> {
    return this.engine.setOffsite(input);
  }

  setPassword(input: { repo: string; password: string }): Promise<void> {
    return this.engine.storePassword(input.repo, input.password);
  }

  async testConnection(input: { target: RepoTarget }): Promise<ConnectionReport> {
    const r = await testConnection(input.target);
    const seconds = r.durationMs / 1000;
    return {
      latencyMs: r.durationMs,
      ...(r.bytesUp > 0 && seconds > 0 ? { uploadBytesPerSecond: r.bytesUp / seconds } : {}),
      ...(r.bytesDown > 0 && seconds > 0 ? { downloadBytesPerSecond: r.bytesDown / seconds } : {}),
      repository: r.repositoryExists ? 'exists' : 'absent',
    };
  }

  async createRepository(input: CreateRepositoryRequest): Promise<RecoverySheet> {
    const generated = input.password.kind === 'generate' ? generatePassword() : undefined;
    const password = generated ?? (input.password as { value: string }).value;
    const repo = await this.engine.addRepository(input.repository, password, {
      init: input.mode === 'new',
      verify: input.mode === 'existing',
    });
    return recoverySheet(repo, new Date().toISOString(), generated);
  }

  async recoverySheet(input: { repo: string }): Promise<RecoverySheet> {
    return recoverySheet(findRepository(this.engine.getConfig(), input.repo), new Date().toISOString());
  }

  async savePlan(input: { plan: Plan; previousName?: string | undefined }): Promise<void> {
    await this.engine.savePlan(input.plan, input.previousName);
  }

  async deletePlan(input: { name: string }): Promise<void> {
    await this.engine.deletePlan(input.name);
  }

  async saveSettings(input: {
    notifications?: Notifications | undefined;
    settings?: Settings | undefined;
  }): Promise<void> {
    const c: Config = this.engine.getConfig();
    await this.engine.replaceConfig({
      ...c,
      ...(input.notifications ? { notifications: input.notifications } : {}),
      ...(input.settings ? { settings: input.settings } : {}),
    });
  }

  async changePassword(input: {
    repo: string;
    password: PasswordChoice;
  }): Promise<{ generatedPassword?: string }> {
    const generated = input.password.kind === 'generate' ? generatePassword() : undefined;
    const next = generated ?? (input.password as { value: string }).value;
    await this.engine.changePassword(input.repo, next);
    return generated === undefined ? {} : { generatedPassword: generated };
  }

  async getRunLog(input: { runId: string }) {
    return this.engine.runLog(input.runId);
  }

  private async context(repoName: string, source: Source): Promise<restic.ResticContext> {
    const repo: Repository = findRepository(this.engine.getConfig(), repoName);
    return source === 'offsite' ? this.engine.offsiteContextFor(repo) : this.engine.contextFor(repo);
  }
}
