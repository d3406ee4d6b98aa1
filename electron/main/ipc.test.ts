import { describe, expect, it, vi } from 'vitest';

const handlers = new Map<string, (event: unknown, input: unknown) => Promise<unknown>>();
vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, fn: (event: unknown, input: unknown) => Promise<unknown>) =>
      handlers.set(channel, fn),
    removeHandler: (channel: string) => handlers.delete(channel),
  },
}));

const { ipcMain } = await import('electron');
const { bindIpc, pushEvent } = await import('./ipc.js');
const { REQUEST_NAMES } = await import('../../contract/bridge.js');

const index = 'file:///app/dist/renderer/index.html';

describe('bindIpc', () => {
  it('binds every contract request once and unbinds them', () => {
    const unbind = bindIpc(ipcMain, async () => ({ ok: true, value: 1 }), index);
    expect([...handlers.keys()].sort()).toEqual(REQUEST_NAMES.map((n) => `restray:${n}`).sort());
    unbind();
    expect(handlers.size).toBe(0);
  });

  it('serves our top frame and refuses other senders without calling the engine', async () => {
    const dispatch = vi.fn(async () => ({ ok: true as const, value: 'state' }));
    bindIpc(ipcMain, dispatch, index);
    const handler = handlers.get('restray:getState')!;
    expect(await handler({ senderFrame: { url: `${index}#/`, parent: null } }, undefined)).toEqual({
      ok: true,
      value: 'state',
    });
    expect(dispatch).toHaveBeenCalledWith('getState', undefined);
    expect(
      await handler({ senderFrame: { url: 'https://evil.example/', parent: null } }, undefined),
    ).toMatchObject({ ok: false, error: { kind: 'permission-denied' } });
    expect(await handler({ senderFrame: null }, undefined)).toMatchObject({ ok: false });
    expect(dispatch).toHaveBeenCalledTimes(1);
  });

  it('pushes events only to a live window', () => {
    const send = vi.fn();
    pushEvent({ isDestroyed: () => true, send }, { type: 'navigate', screen: 'restore' });
    pushEvent({ isDestroyed: () => false, send }, { type: 'navigate', screen: 'restore' });
    expect(send).toHaveBeenCalledTimes(1);
    expect(send).toHaveBeenCalledWith('restray:event', { type: 'navigate', screen: 'restore' });
  });
});
