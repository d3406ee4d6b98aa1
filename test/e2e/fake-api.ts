import { createApi } from '../../contract/bridge.js';
import type { AppEvent } from '../../contract/ipc.js';
import { createDispatcher, type ShellPort } from '../../electron/main/dispatch.js';
import type { FakeEngine } from './fake-engine.js';

/**
 * window.api for component tests (jsdom): the contract's createApi over the real dispatcher and a FakeEngine,
 * with structured cloning both ways as IPC does. Kept under test/ because it wires main's dispatcher.
 */
export type ShellCall = { name: string; input: unknown };

export function fakeShell(calls: ShellCall[]): ShellPort {
  return {
    getEnvironment: async () => ({
      platform: 'linux',
      homeDir: '/home/ada',
      restoreRoot: '/home/ada/Restored',
      sep: '/',
      appVersion: '0.1.0',
      locale: 'en-US',
    }),
    chooseFolder: async (input) => (
      calls.push({ name: 'chooseFolder', input }),
      { path: '/media/usb/backup' }
    ),
    openFolder: async (input) => void calls.push({ name: 'openFolder', input }),
    openHelp: async (input) => void calls.push({ name: 'openHelp', input }),
    copyText: async (input) => void calls.push({ name: 'copyText', input }),
  };
}

export function installApi(engine: FakeEngine): {
  shellCalls: ShellCall[];
  pushShell: (event: AppEvent) => void;
} {
  const shellCalls: ShellCall[] = [];
  const dispatch = createDispatcher(engine, fakeShell(shellCalls), {
    validateOutputs: true,
    logError: (m, e) => console.error(m, e),
  });
  const listeners = new Set<(e: AppEvent) => void>();
  engine.subscribe((e) => listeners.forEach((l) => l(structuredClone(e))));
  (globalThis as unknown as { api: unknown }).api = createApi({
    // Clone both ways, as IPC does: components must not rely on shared objects.
    invoke: async (name, input) =>
      structuredClone(await dispatch(name, input === undefined ? undefined : structuredClone(input))),
    listen: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  });
  return { shellCalls, pushShell: (e: AppEvent) => listeners.forEach((l) => l(e)) };
}
