import type { Api, AppEvent, RequestName, Result } from './ipc.js';

/**
 * The runtime side of the contract that the preload and the e2e transport need: request names, channels and
 * `createApi`. It imports contract/ipc.ts for types only, so bundles that use it carry no zod schemas.
 */

/** Every request name once; a compile-time check below keeps it equal to the request map in ipc.ts. */
export const REQUEST_NAMES = [
  'getState',
  'backupNow',
  'cancel',
  'pause',
  'resume',
  'listSnapshots',
  'diffSnapshots',
  'listDir',
  'searchFiles',
  'restore',
  'testRestore',
  'forgetPreview',
  'generateKey',
  'scanHostKey',
  'confirmHostKey',
  'offsiteCommand',
  'saveOffsite',
  'testConnection',
  'createRepository',
  'recoverySheet',
  'savePlan',
  'deletePlan',
  'saveSettings',
  'changePassword',
  'setPassword',
  'getRunLog',
  'getEnvironment',
  'chooseFolder',
  'openFolder',
  'openHelp',
  'copyText',
] as const;

type Listed = (typeof REQUEST_NAMES)[number];
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const listedAll: Same<Listed, RequestName> = true;
void listedAll;

/** How an Api reaches the other side: Electron IPC in the preload, a WebSocket in the e2e harness. */
export interface Transport {
  invoke(name: RequestName, input: unknown): Promise<Result<unknown>>;
  listen(listener: (event: AppEvent) => void): () => void;
}

/** IPC channel of a request (`ipcRenderer.invoke` / `ipcMain.handle`). */
export const requestChannel = (name: RequestName): string => `restray:${name}`;
/** IPC channel of pushed events (main → renderer). */
export const EVENT_CHANNEL = 'restray:event';

/**
 * Builds the Api object from a transport: plain functions only (contextBridge copies them); listeners get the
 * event value, never a transport object.
 */
export function createApi(transport: Transport): Api {
  const api: Record<string, unknown> = {};
  for (const name of REQUEST_NAMES) {
    api[name] = (input?: unknown) => transport.invoke(name, input);
  }
  api.onEvent = (listener: (event: AppEvent) => void) => transport.listen((event) => listener(event));
  return api as Api;
}

/** A transport-level failure (channel broken, bad reply) as the same kind of value as any other error. */
export function transportFailure(message: string): Result<never> {
  return { ok: false, error: { kind: 'failed', message } };
}
