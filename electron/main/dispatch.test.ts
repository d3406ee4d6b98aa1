import { describe, expect, it, vi } from 'vitest';
import { RestrayError } from '../../core/errors.js';
import { FakeEngine } from '../../test/e2e/fake-engine.js';
import { createDispatcher, type ShellPort } from './dispatch.js';

const shell: ShellPort = {
  getEnvironment: async () => ({
    platform: 'linux',
    homeDir: '/home/ada',
    restoreRoot: '/home/ada/Restored',
    sep: '/',
    appVersion: '0.1.0',
    locale: 'en-US',
  }),
  chooseFolder: async () => ({ path: null }),
  openFolder: async () => {},
  openHelp: async () => {},
  copyText: async () => {},
};

describe('createDispatcher', () => {
  it('validates input and names the field', async () => {
    const engine = new FakeEngine();
    const d = createDispatcher(engine, shell);
    expect(await d('backupNow', { plan: '../etc' })).toMatchObject({
      ok: false,
      error: { kind: 'invalid-argument', message: expect.stringMatching(/^plan: use 1-64 letters/) },
    });
    expect(await d('nope', {})).toMatchObject({ ok: false, error: { kind: 'invalid-argument' } });
    expect(engine.calls.some((c) => c.name === 'backupNow')).toBe(false);
  });

  it('applies defaults and routes engine and shell requests', async () => {
    const engine = new FakeEngine();
    const d = createDispatcher(engine, shell, { validateOutputs: true });
    await d('listSnapshots', { repo: 'pi' });
    expect(engine.calls.at(-1)).toEqual({ name: 'listSnapshots', input: { repo: 'pi', source: 'onsite' } });
    expect(await d('getEnvironment', undefined)).toMatchObject({ ok: true, value: { homeDir: '/home/ada' } });
    expect(await d('getState', undefined)).toMatchObject({ ok: true, value: { rev: 0 } });
  });

  it('expected errors keep their kind; unexpected ones are logged and become failed', async () => {
    const engine = new FakeEngine();
    const logError = vi.fn();
    engine.cancel = async () => {
      throw new RestrayError('locked', 'The repository is locked.', { hint: 'Wait for the other run.' });
    };
    engine.pause = async () => {
      throw new TypeError('boom');
    };
    const d = createDispatcher(engine, shell, { logError });
    expect(await d('cancel', { jobId: 'x' })).toEqual({
      ok: false,
      error: { kind: 'locked', message: 'The repository is locked.', hint: 'Wait for the other run.' },
    });
    expect(await d('pause', { until: '2026-01-01T00:00:00.000Z' })).toEqual({
      ok: false,
      error: { kind: 'failed', message: 'boom' },
    });
    expect(logError).toHaveBeenCalledTimes(1);
  });

  it('with validateOutputs, an engine that breaks the contract gets a failed result', async () => {
    const engine = new FakeEngine();
    engine.listSnapshots = async () => [{ id: 'x' }] as never;
    const d = createDispatcher(engine, shell, { validateOutputs: true, logError: () => {} });
    expect(await d('listSnapshots', { repo: 'pi' })).toMatchObject({
      ok: false,
      error: { kind: 'failed', message: expect.stringContaining('broke the contract') },
    });
  });
});
