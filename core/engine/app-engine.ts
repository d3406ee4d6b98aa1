import type { AppState, EngineEvent, RunRecord } from '../../contract/app-state.js';
import type { DirEntry, ForgetPreview, SearchHit, Snapshot, SnapshotDiff } from '../../contract/browse.js';
import type { Destination } from '../../contract/browse.js';
import type { Notifications, Plan, RepoTarget, Retention, Settings } from '../../contract/config.js';
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
import type { Source } from './browsing.js';
import { connectionReport } from './connection-report.js';
import type { Engine } from './engine.js';
import { choosePassword } from './setup.js';

/**
 * The engine as the tray app sees it: one method per request of contract/ipc.ts (it satisfies EnginePort in
 * electron/main/engine-port.ts structurally, as core must not import electron/). Inputs arrive validated.
 * It only maps a request's shape onto the part of the engine that serves it; the logic lives in the parts.
 */
export class AppEngine {
  constructor(readonly engine: Engine) {}

  getState(): Promise<AppState> {
    return this.engine.getState();
  }

  subscribe(listener: (e: EngineEvent) => void): () => void {
    return this.engine.subscribe(listener);
  }

  notifyResume(): void {
    this.engine.scheduling.notifyResume();
  }

  setOnBattery(onBattery: boolean): void {
    this.engine.scheduling.setOnBattery(onBattery);
  }

  async backupNow(input: { plan: string }): Promise<{ jobId: string }> {
    return { jobId: this.engine.jobs.startBackup(input.plan, 'manual').jobId };
  }

  async testRestore(input: { repo: string }): Promise<{ jobId: string }> {
    return { jobId: this.engine.startDrill({ repo: input.repo }).jobId };
  }

  async cancel(input: { jobId: string }): Promise<void> {
    this.engine.jobs.cancel(input.jobId);
  }

  async pause(input: { until: string }): Promise<void> {
    await this.engine.scheduling.pause(new Date(input.until));
  }

  async resume(): Promise<void> {
    await this.engine.scheduling.resume();
  }

  listSnapshots(input: { repo: string; source: Source }): Promise<Snapshot[]> {
    return this.engine.browsing.listSnapshots(input);
  }

  diffSnapshots(input: { repo: string; from: string; to: string }): Promise<SnapshotDiff> {
    return this.engine.browsing.diffSnapshots(input);
  }

  listDir(input: {
    repo: string;
    snapshot: string;
    path: string;
    source: Source;
  }): Promise<{ entries: DirEntry[] }> {
    return this.engine.browsing.listDir(input);
  }

  searchFiles(input: {
    repo: string;
    pattern: string;
    snapshot?: string | undefined;
    limit: number;
    source: Source;
  }): Promise<{ hits: SearchHit[]; truncated: boolean }> {
    return this.engine.browsing.searchFiles(input);
  }

  async restore(input: {
    repo: string;
    snapshot: string;
    includes: string[];
    destination: Destination;
    source: Source;
  }): Promise<{ jobId: string }> {
    const jobs = this.engine.jobs;
    if (input.source === 'offsite') return { jobId: (await jobs.startOffsiteRestore(input)).jobId };
    const { repo, snapshot, includes, destination } = input;
    return { jobId: jobs.startRestore({ repo, snapshot, includes, destination }).jobId };
  }

  forgetPreview(input: {
    repo: string;
    retention: Retention;
    plan?: string | undefined;
  }): Promise<ForgetPreview> {
    return this.engine.retention.preview(input);
  }

  generateKey(input: PiEndpoint): Promise<GeneratedKey> {
    return this.engine.setup.generateKey(input);
  }

  scanHostKey(input: { host: string; port: number }): Promise<HostKey[]> {
    return this.engine.setup.scanHostKey(input);
  }

  confirmHostKey(input: {
    repo: string;
    host: string;
    port: number;
    fingerprint: string;
    hop: 'onsite' | 'offsite';
  }): Promise<void> {
    return this.engine.setup.confirmHostKey(input);
  }

  offsiteCommand(input: { repo: string; user: string; path: string }): Promise<OffsiteCommand> {
    return this.engine.setup.offsiteCommand(input);
  }

  saveOffsite(input: OffsiteSetupRequest): Promise<OffsiteSetupReport> {
    return this.engine.repos.setOffsite(input);
  }

  setPassword(input: { repo: string; password: string }): Promise<void> {
    return this.engine.repos.storePassword(input.repo, input.password);
  }

  testConnection(input: { target: RepoTarget }): Promise<ConnectionReport> {
    return connectionReport(input.target);
  }

  createRepository(input: CreateRepositoryRequest): Promise<RecoverySheet> {
    return this.engine.setup.createRepository(input);
  }

  recoverySheet(input: { repo: string }): Promise<RecoverySheet> {
    return this.engine.setup.recoverySheet(input);
  }

  async savePlan(input: { plan: Plan; previousName?: string | undefined }): Promise<void> {
    await this.engine.edits.savePlan(input.plan, input.previousName);
  }

  deletePlan(input: { name: string }): Promise<void> {
    return this.engine.edits.deletePlan(input.name);
  }

  saveSettings(input: {
    notifications?: Notifications | undefined;
    settings?: Settings | undefined;
  }): Promise<void> {
    return this.engine.edits.saveSettings(input);
  }

  async changePassword(input: {
    repo: string;
    password: PasswordChoice;
  }): Promise<{ generatedPassword?: string }> {
    const { password, generated } = choosePassword(input.password);
    await this.engine.repos.changePassword(input.repo, password);
    return generated === undefined ? {} : { generatedPassword: generated };
  }

  getRunLog(input: { runId: string }): Promise<{ run: RunRecord; log: string }> {
    return this.engine.jobs.runLog(input.runId);
  }
}
