import type { EngineEvent } from '../../contract/app-state.js';
import type { EngineRequestName, ParsedInput, RequestOutput } from '../../contract/ipc.js';

/**
 * What the tray app needs from the core engine: one async method per engine request in contract/ipc.ts
 * (same name, input already validated with defaults applied, same output), plus the event stream and two host
 * hooks. core/engine/app-engine.ts implements it; the e2e harness binds the same port to a WebSocket.
 *
 * Errors: throw `RestrayError` (core/errors.ts) for expected failures; the IPC binding turns it into an
 * ErrorInfo value. Anything else thrown is logged as a bug and reaches the UI as kind `failed`.
 * Secrets: never return a password or private key, except `generatedPassword` where the contract says so.
 */
export interface EnginePort {
  /** Full snapshot: config, repos (hasPassword, chain), plans (next/last run), jobs, recent runs, pause; `rev` = last event folded in. */
  getState(): Promise<RequestOutput<'getState'>>;
  /** Queue a backup of the plan (then forget/prune if it prunes). Coalesces with a queued/running one: returns that job's id. not-found for an unknown plan. */
  backupNow(input: ParsedInput<'backupNow'>): Promise<RequestOutput<'backupNow'>>;
  /** Cancel a queued or running job (SIGINT, drain, no stale lock). Emits job-updated (cancelling) then job-finished (cancelled). Unknown/finished id: no-op. */
  cancel(input: ParsedInput<'cancel'>): Promise<RequestOutput<'cancel'>>;
  /** Pause scheduled runs until the given time (manual runs still work); persisted; emits schedule-changed. */
  pause(input: ParsedInput<'pause'>): Promise<RequestOutput<'pause'>>;
  /** End a pause now; emits schedule-changed; a slot missed during the pause runs once. */
  resume(): Promise<RequestOutput<'resume'>>;
  /** Snapshots of the repository, oldest first (restic snapshots --json), `dataAdded` from history when known. */
  listSnapshots(input: ParsedInput<'listSnapshots'>): Promise<RequestOutput<'listSnapshots'>>;
  /** restic diff between two snapshots; `changes` bounded (truncated flag), counts complete. */
  diffSnapshots(input: ParsedInput<'diffSnapshots'>): Promise<RequestOutput<'diffSnapshots'>>;
  /**
   * Children of one directory of a snapshot (`restic ls SNAP PATH`), dirs first then by name. The first call for
   * a snapshot answers from one directory listing; meanwhile a full listing fills a cache in the background so
   * later directories answer from memory (issue 4: ≤ 200 ms, ≤ 200 MB per 1M entries). not-found for a bad path.
   */
  listDir(input: ParsedInput<'listDir'>): Promise<RequestOutput<'listDir'>>;
  /** Find files by name across all snapshots or one (restic find --json), newest snapshots first, at most `limit`. */
  searchFiles(input: ParsedInput<'searchFiles'>): Promise<RequestOutput<'searchFiles'>>;
  /**
   * Queue a restore of `includes` from a snapshot. `folder` without path → ~/Restored/<YYYY-MM-DD HH-mm>; `original`
   * applies the conflict choice. Progress via job-progress; the job-finished run carries `restore` (summary).
   */
  restore(input: ParsedInput<'restore'>): Promise<RequestOutput<'restore'>>;
  /** Queue a restore drill (from the offsite Pi when configured); coalesces with a pending one. not-found for an unknown repository. */
  testRestore(input: ParsedInput<'testRestore'>): Promise<RequestOutput<'testRestore'>>;
  /** restic forget --dry-run with the policy: what stays (with reasons) and what would go. Changes nothing. */
  forgetPreview(input: ParsedInput<'forgetPreview'>): Promise<RequestOutput<'forgetPreview'>>;
  /** Make an ed25519 key for the repository (file 0600 in the config dir) and the provisioning command for the Pi. */
  generateKey(input: ParsedInput<'generateKey'>): Promise<RequestOutput<'generateKey'>>;
  /** ssh-keyscan the host; fingerprints (SHA256) for the user to compare. network error when unreachable. */
  scanHostKey(input: ParsedInput<'scanHostKey'>): Promise<RequestOutput<'scanHostKey'>>;
  /** Pin the scanned host key whose fingerprint the user confirmed into the repo's known_hosts (`hop` offsite: the offsite one). host-key-mismatch if it changed since the scan. */
  confirmHostKey(input: ParsedInput<'confirmHostKey'>): Promise<RequestOutput<'confirmHostKey'>>;
  /** The repository key's public line and the `restray-pi provision offsite --restore-key …` command for the offsite Pi. invalid-argument for a local repository. */
  offsiteCommand(input: ParsedInput<'offsiteCommand'>): Promise<RequestOutput<'offsiteCommand'>>;
  /** Test and save the offsite status account and/or the offsite restore access of a Pi repository; emits config-changed. Errors name the failing hop. */
  saveOffsite(input: ParsedInput<'saveOffsite'>): Promise<RequestOutput<'saveOffsite'>>;
  /** Connect with the key (BatchMode, pinned host key), move a few MB each way, say what is at the path. Errors carry a hint naming the fix. */
  testConnection(input: ParsedInput<'testConnection'>): Promise<RequestOutput<'testConnection'>>;
  /**
   * Add the repository to the config: `new` → restic init, `existing` → open with the password. Stores the
   * password in the keychain (never elsewhere). Returns the recovery sheet, with `generatedPassword` only if
   * the engine generated it. repo-exists / wrong-password / repo-not-found / keychain-* errors.
   */
  createRepository(input: ParsedInput<'createRepository'>): Promise<RequestOutput<'createRepository'>>;
  /** The recovery sheet of a configured repository, without any password. */
  recoverySheet(input: ParsedInput<'recoverySheet'>): Promise<RequestOutput<'recoverySheet'>>;
  /** Add or replace a plan (rename when `previousName` differs); validated against the config; emits config-changed and schedule-changed. */
  savePlan(input: ParsedInput<'savePlan'>): Promise<RequestOutput<'savePlan'>>;
  /** Remove a plan (snapshots stay); emits config-changed. */
  deletePlan(input: ParsedInput<'deletePlan'>): Promise<RequestOutput<'deletePlan'>>;
  /** Replace notification preferences and/or settings; emits config-changed (main applies launch-at-login). */
  saveSettings(input: ParsedInput<'saveSettings'>): Promise<RequestOutput<'saveSettings'>>;
  /** restic key passwd with the stored password, then update the keychain; generated password returned once. */
  changePassword(input: ParsedInput<'changePassword'>): Promise<RequestOutput<'changePassword'>>;
  /** Store the password of an existing repository after checking that it opens it (wrong-password otherwise); emits config-changed (hasPassword). */
  setPassword(input: ParsedInput<'setPassword'>): Promise<RequestOutput<'setPassword'>>;
  /** One run's record and its log text (restic output tail, errors); not-found for an unknown id. */
  getRunLog(input: ParsedInput<'getRunLog'>): Promise<RequestOutput<'getRunLog'>>;

  /** Engine events, `rev` +1 each (see EngineEvent). Returns the unsubscribe function. */
  subscribe(listener: (event: EngineEvent) => void): () => void;
  /** Host hook: the machine woke up (powerMonitor resume) → re-arm schedules, run a missed slot once. */
  notifyResume(): void;
  /** Host hook: power source changed; scheduled runs of plans with notOnBattery wait while true. */
  setOnBattery(onBattery: boolean): void;
}

// Compile-time proof that EnginePort mirrors the engine requests 1:1 (a missing or extra method fails here).
type Mirror = {
  [K in EngineRequestName]: [ParsedInput<K>] extends [void]
    ? () => Promise<RequestOutput<K>>
    : (input: ParsedInput<K>) => Promise<RequestOutput<K>>;
};
type RequestPart = Pick<EnginePort, EngineRequestName>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const mirrors: Same<RequestPart, Mirror> = true;
const complete: Same<
  Exclude<keyof EnginePort, 'subscribe' | 'notifyResume' | 'setOnBattery'>,
  EngineRequestName
> = true;
void mirrors;
void complete;
