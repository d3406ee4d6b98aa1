import { z } from 'zod';
import { Name, Notifications, Plan, Retention, Settings } from './config.js';
import type { ErrorInfo } from './errors.js';
import { AppState, EngineEvent, IsoTime, RunRecord } from './app-state.js';
import {
  ForgetPreview,
  DirEntry,
  RestoreRequest,
  SearchHit,
  Snapshot,
  SnapshotDiff,
  Source,
} from './browse.js';
import {
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
} from './setup.js';
import { RepoTarget } from './config.js';

/**
 * The one contract between the UI and the app. Each request has a name, a zod input schema (validated in main
 * before anything runs) and an output schema. Expected failures come back as values (`Result` with an
 * ErrorInfo), never as thrown exceptions. Engine requests are served by the core engine through EnginePort
 * (electron/main/engine-port.ts); shell requests by Electron itself (dialogs, opening folders, clipboard).
 *
 * Secrets: no output carries a password or private key. Inputs may carry a typed password one way (renderer →
 * main: createRepository, changePassword, setPassword); a generated password comes back once, for the recovery sheet.
 */

/** Help pages the UI may open in the browser; main maps each id to one fixed https URL. */
export const ExternalLink = z.enum(['restic-docs', 'restic-restore']);
export type ExternalLink = z.infer<typeof ExternalLink>;

const none = z.void();
const done = z.void();
const jobStarted = z.object({ jobId: z.string().min(1) });
const generated = z.object({ generatedPassword: z.string().optional() });

type Spec = { input: z.ZodType; output: z.ZodType };
const spec = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O) => ({ input, output });

export const engineRequests = {
  getState: spec(none, AppState),
  backupNow: spec(z.object({ plan: Name }), jobStarted),
  cancel: spec(z.object({ jobId: z.string().min(1) }), done),
  pause: spec(z.object({ until: IsoTime }), done),
  resume: spec(none, done),
  listSnapshots: spec(z.object({ repo: Name, source: Source.default('onsite') }), z.array(Snapshot)),
  diffSnapshots: spec(z.object({ repo: Name, from: z.string().min(1), to: z.string().min(1) }), SnapshotDiff),
  listDir: spec(
    z.object({
      repo: Name,
      snapshot: z.string().min(1),
      path: z.string().min(1),
      source: Source.default('onsite'),
    }),
    z.object({ entries: z.array(DirEntry) }),
  ),
  searchFiles: spec(
    z.object({
      repo: Name,
      /** Substring or glob of the file name (restic find semantics, case-insensitive). */
      pattern: z.string().min(1).max(1024),
      /** Absent: all snapshots. */
      snapshot: z.string().min(1).optional(),
      limit: z.number().int().min(1).max(10_000).default(500),
      source: Source.default('onsite'),
    }),
    z.object({ hits: z.array(SearchHit), truncated: z.boolean() }),
  ),
  restore: spec(RestoreRequest, jobStarted),
  /** “Test a restore”: a restore drill of the repository now (core/drill); the run carries `drill`. */
  testRestore: spec(z.object({ repo: Name }), jobStarted),
  forgetPreview: spec(z.object({ repo: Name, retention: Retention, plan: Name.optional() }), ForgetPreview),
  generateKey: spec(PiEndpoint, GeneratedKey),
  scanHostKey: spec(
    z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) }),
    z.array(HostKey),
  ),
  confirmHostKey: spec(
    z.object({
      repo: Name,
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535),
      fingerprint: z.string().min(1),
      /** Which Pi of the repository: the onsite Pi it lives on, or the offsite Pi it is restored from. */
      hop: z.enum(['onsite', 'offsite']).default('onsite'),
    }),
    done,
  ),
  offsiteCommand: spec(
    z.object({ repo: Name, user: z.string().min(1), path: z.string().min(1) }),
    OffsiteCommand,
  ),
  saveOffsite: spec(OffsiteSetupRequest, OffsiteSetupReport),
  testConnection: spec(z.object({ target: RepoTarget }), ConnectionReport),
  createRepository: spec(CreateRepositoryRequest, RecoverySheet),
  recoverySheet: spec(z.object({ repo: Name }), RecoverySheet),
  savePlan: spec(z.object({ plan: Plan, previousName: Name.optional() }), done),
  deletePlan: spec(z.object({ name: Name }), done),
  saveSettings: spec(
    z.object({ notifications: Notifications.optional(), settings: Settings.optional() }),
    done,
  ),
  changePassword: spec(z.object({ repo: Name, password: PasswordChoice }), generated),
  /** Stores the password of an existing repository (keychain lost or emptied); checked against it first. */
  setPassword: spec(z.object({ repo: Name, password: z.string().min(1).max(1024) }), done),
  getRunLog: spec(z.object({ runId: z.string().min(1) }), z.object({ run: RunRecord, log: z.string() })),
} satisfies Record<string, Spec>;

export const shellRequests = {
  /** Facts about this machine the UI needs for defaults. */
  getEnvironment: spec(
    none,
    z.object({
      platform: z.enum(['linux', 'darwin', 'win32']),
      homeDir: z.string(),
      /** Default parent of restore folders: ~/Restored. */
      restoreRoot: z.string(),
      /** Path separator for display and joining. */
      sep: z.enum(['/', '\\']),
      appVersion: z.string(),
      /** OS UI language (BCP 47), the default before the user picks one. */
      locale: z.string(),
    }),
  ),
  /** Native folder picker; `path` null when cancelled. */
  chooseFolder: spec(
    z.object({ title: z.string().max(200).optional(), defaultPath: z.string().optional() }),
    z.object({ path: z.string().nullable() }),
  ),
  /** Opens an existing directory in the file manager (never a file: that could run it). */
  openFolder: spec(z.object({ path: z.string().min(1) }), done),
  /** Opens one of Restray's known help pages in the browser (an id, never a URL from the page). */
  openHelp: spec(z.object({ link: ExternalLink }), done),
  copyText: spec(z.object({ text: z.string().max(5_000_000) }), done),
} satisfies Record<string, Spec>;

export const requests = { ...engineRequests, ...shellRequests };

export type RequestName = keyof typeof requests;
export type EngineRequestName = keyof typeof engineRequests;
export type ShellRequestName = keyof typeof shellRequests;

/** What the caller sends (defaults not yet applied). */
export type RequestInput<K extends RequestName> = z.input<(typeof requests)[K]['input']>;
/** What the handler receives (validated, defaults applied). */
export type ParsedInput<K extends RequestName> = z.output<(typeof requests)[K]['input']>;
export type RequestOutput<K extends RequestName> = z.output<(typeof requests)[K]['output']>;

export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

/** Events from the shell (main), not the engine: e.g. the tray's "Restore files…" asks the window to navigate. */
export const Screen = z.enum(['dashboard', 'setup', 'snapshots', 'restore', 'plans', 'settings', 'logs']);
export type Screen = z.infer<typeof Screen>;
export const ShellEvent = z.object({
  type: z.literal('navigate'),
  screen: Screen,
  /** For `logs`: the run to show (a notification's "details" action). */
  runId: z.string().optional(),
});
export type ShellEvent = z.infer<typeof ShellEvent>;

export const AppEvent = z.union([EngineEvent, ShellEvent]);
export type AppEvent = EngineEvent | ShellEvent;

type Method<K extends RequestName> = [RequestInput<K>] extends [void]
  ? () => Promise<Result<RequestOutput<K>>>
  : (input: RequestInput<K>) => Promise<Result<RequestOutput<K>>>;

/**
 * `window.api`: one method per request plus the event stream. Derived from the request map, so the preload,
 * the e2e transport and the renderer cannot drift apart. `onEvent` returns the unsubscribe function: an
 * AbortSignal cannot cross contextBridge (it arrives as a plain object), so the renderer's client wraps
 * its own AbortSignal around this function instead.
 */
export type Api = { [K in RequestName]: Method<K> } & {
  onEvent(listener: (event: AppEvent) => void): () => void;
};

// The runtime half (names, channels, createApi) lives in contract/bridge.ts without zod, so the sandboxed
// preload bundle stays small.
