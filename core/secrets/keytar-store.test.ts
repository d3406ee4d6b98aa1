import { describe, expect, it } from 'vitest';
import { RestrayError } from '../errors.js';
import { KeytarStore, mapKeychainError, type KeytarLike, type SecretServiceState } from './keytar-store.js';
import { repoPasswordAccount, SECRET_SERVICE } from './secret-store.js';

function fake(overrides: Partial<KeytarLike> = {}): KeytarLike & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getPassword: async (s, a) => data.get(`${s}/${a}`) ?? null,
    setPassword: async (s, a, p) => void data.set(`${s}/${a}`, p),
    deletePassword: async (s, a) => data.delete(`${s}/${a}`),
    ...overrides,
  };
}

const failing = (message: string): Partial<KeytarLike> => ({
  getPassword: () => Promise.reject(new Error(message)),
  setPassword: () => Promise.reject(new Error(message)),
  deletePassword: () => Promise.reject(new Error(message)),
});

describe('KeytarStore', () => {
  it('stores under the restray service and the given account', async () => {
    const k = fake();
    const store = new KeytarStore({ load: () => k, probe: async () => 'unlocked' });
    await store.set(repoPasswordAccount('abc'), 'pw');
    expect([...k.data.keys()]).toEqual([`${SECRET_SERVICE}/repo:abc`]);
    expect(await store.get('repo:abc')).toBe('pw');
    expect(await store.delete('repo:abc')).toBe(true);
    expect(await store.get('repo:abc')).toBeUndefined();
  });

  it('loads the module only when first used, so a broken module fails as keychain-unavailable then', async () => {
    let loads = 0;
    const store = new KeytarStore({
      load: () => {
        loads++;
        throw new RestrayError('keychain-unavailable', 'The keychain module (keytar) could not be loaded.');
      },
    });
    expect(loads).toBe(0);
    await expect(store.get('a')).rejects.toMatchObject({ kind: 'keychain-unavailable' });
  });

  it.each<[SecretServiceState, string | undefined]>([
    ['unlocked', undefined],
    ['unknown', undefined],
    ['locked', 'keychain-locked'],
    ['no-default-collection', 'keychain-unavailable'],
  ])('a missing secret with the keyring %s gives %s', async (state, kind) => {
    const store = new KeytarStore({ load: () => fake(), probe: async () => state });
    if (kind === undefined) {
      expect(await store.get('a')).toBeUndefined();
      expect(await store.delete('a')).toBe(false);
    } else {
      await expect(store.get('a')).rejects.toMatchObject({ kind });
      await expect(store.delete('a')).rejects.toMatchObject({ kind });
    }
  });

  it('never puts the secret into an error', async () => {
    const secret = 'hunter2-very-secret';
    const store = new KeytarStore({
      load: () => fake(failing(`Cannot create an item in a locked collection (${secret})`)),
    });
    const e = await store.set('a', secret).catch((x: unknown) => x);
    expect(e).toMatchObject({ kind: 'keychain-locked' });
    expect(JSON.stringify((e as RestrayError).toInfo())).not.toContain(secret);
  });
});

describe('KeytarStore deadline', () => {
  it('turns a keychain call that never answers into keychain-unavailable after the deadline', async () => {
    const never = () => new Promise<never>(() => {});
    const store = new KeytarStore({
      load: () => fake({ getPassword: never, setPassword: never, deletePassword: never }),
      probe: async () => 'unlocked',
      deadlineMs: 50,
    });
    for (const call of [() => store.get('a'), () => store.set('a', 'pw'), () => store.delete('a')]) {
      const e = await call().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RestrayError);
      expect(e).toMatchObject({ kind: 'keychain-unavailable' });
      expect((e as RestrayError).message).toMatch(/did not answer/);
    }
  });

  it('also bounds the locked-or-missing probe that follows a lookup finding nothing', async () => {
    const store = new KeytarStore({
      load: () => fake(),
      probe: () => new Promise<never>(() => {}),
      deadlineMs: 50,
    });
    await expect(store.get('a')).rejects.toMatchObject({ kind: 'keychain-unavailable' });
  });
});

describe('mapKeychainError', () => {
  it.each([
    ['Cannot autolaunch D-Bus without X11 $DISPLAY', 'keychain-unavailable'],
    ['Could not connect: No such file or directory', 'keychain-unavailable'],
    ['The name org.freedesktop.secrets was not provided by any .service files', 'keychain-unavailable'],
    ['Object does not exist at path “/org/freedesktop/secrets/collection/login”', 'keychain-unavailable'],
    ['Cannot create an item in a locked collection', 'keychain-locked'],
    ['Prompt dismissed', 'keychain-locked'],
    ['User canceled the operation.', 'keychain-locked'],
    ['User interaction is not allowed.', 'keychain-locked'],
    ['Something else entirely', 'failed'],
  ])('%s → %s', (message, kind) => {
    const e = mapKeychainError(new Error(message), 'read');
    expect(e.kind).toBe(kind);
    expect(e.message).not.toContain(message);
  });

  it('names what to install on Linux', () => {
    const e = mapKeychainError(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY'), 'read');
    if (process.platform === 'linux') expect(e.hint).toMatch(/gnome-keyring.*KeePassXC.*KWallet 5\.97/);
  });
});
