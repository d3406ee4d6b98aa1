import { describe, expect, it, vi } from 'vitest';

const exposed: Record<string, unknown> = {};
const listeners = new Map<string, (...a: unknown[]) => void>();
const invoke = vi.fn(async (channel: string, input: unknown) => ({ ok: true, value: { channel, input } }));
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
  ipcRenderer: {
    invoke,
    on: (channel: string, fn: (...a: unknown[]) => void) => listeners.set(channel, fn),
    removeListener: (channel: string) => listeners.delete(channel),
  },
}));

await import('./preload.js');
const { REQUEST_NAMES } = await import('../../contract/bridge.js');

describe('preload', () => {
  const api = exposed.api as Record<string, (...a: unknown[]) => unknown>;

  it('exposes exactly the contract methods plus onEvent, as plain functions', () => {
    expect(Object.keys(exposed)).toEqual(['api']);
    expect(Object.keys(api).sort()).toEqual([...REQUEST_NAMES, 'onEvent'].sort());
    for (const v of Object.values(api)) expect(typeof v).toBe('function');
    expect(JSON.stringify(Object.keys(api))).not.toMatch(/ipcRenderer|invoke|send/);
  });

  it('invokes the request channel and returns the Result', async () => {
    expect(await api.listSnapshots!({ repo: 'pi' })).toEqual({
      ok: true,
      value: { channel: 'restray:listSnapshots', input: { repo: 'pi' } },
    });
  });

  it('turns a broken channel into a failed Result', async () => {
    invoke.mockRejectedValueOnce(new Error('channel closed'));
    expect(await api.getState!()).toEqual({
      ok: false,
      error: { kind: 'failed', message: 'channel closed' },
    });
  });

  it('forwards event payloads without the IPC event object, and unsubscribes', () => {
    const got: unknown[] = [];
    const off = api.onEvent!((e: unknown) => got.push(e)) as () => void;
    listeners.get('restray:event')!({ sender: 'secret' }, { type: 'resync', rev: 1 });
    expect(got).toEqual([{ type: 'resync', rev: 1 }]);
    off();
    expect(listeners.has('restray:event')).toBe(false);
  });
});
