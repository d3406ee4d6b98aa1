import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ErrorInfo } from '../../contract/errors.js';
import { KeytarStore } from '../../core/secrets/keytar-store.js';
import { repoPasswordAccount } from '../../core/secrets/secret-store.js';
import { startKeyringSession, type KeyringSession } from '../lab/keyring-session.js';

const CHILD = fileURLToPath(new URL('./store-child.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

type ChildResult = { ok: true; value: unknown } | { ok: false; error: ErrorInfo };

/** Runs one store operation in a fresh process with exactly `env` for D-Bus (nothing inherited). */
async function inChild(env: Record<string, string>, op: string, account: string, input?: string) {
  const base: Record<string, string | undefined> = {
    ...process.env,
    DISPLAY: undefined,
    DBUS_SESSION_BUS_ADDRESS: undefined,
  };
  const r = await execa(TSX, [CHILD, op, account], {
    env: { ...base, ...env },
    extendEnv: false,
    input: input ?? '',
    reject: false,
    timeout: 60_000,
  });
  if (r.exitCode !== 0 || r.stdout === '') throw new Error(`child failed (${r.exitCode}): ${r.stderr}`);
  return JSON.parse(r.stdout) as ChildResult;
}

describe('KeytarStore on a real Secret Service (gnome-keyring)', () => {
  let store: KeytarStore;
  beforeAll(() => {
    // keytar binds to the session bus of its first call, so the env must be set before it is loaded.
    Object.assign(process.env, inject('keyringEnv'));
    store = new KeytarStore({ service: 'restray-test' });
  });

  it('sets, gets, replaces and deletes a secret', async () => {
    const account = repoPasswordAccount(`test-${randomBytes(4).toString('hex')}`);
    const secret = `pw ${randomBytes(12).toString('base64')} ü`;
    expect(await store.get(account)).toBeUndefined();
    await store.set(account, secret);
    expect(await store.get(account)).toBe(secret);
    await store.set(account, 'replaced');
    expect(await store.get(account)).toBe('replaced');
    expect(await store.delete(account)).toBe(true);
    expect(await store.get(account)).toBeUndefined();
    expect(await store.delete(account)).toBe(false);
  });

  it('stores under the service name it was given, visible to other Secret Service clients', async () => {
    const account = repoPasswordAccount(`visible-${randomBytes(4).toString('hex')}`);
    await store.set(account, 'seen-by-secret-tool');
    try {
      const r = await execa('secret-tool', ['lookup', 'service', 'restray-test', 'account', account], {
        env: { ...process.env, ...inject('keyringEnv') },
      });
      expect(r.stdout).toBe('seen-by-secret-tool');
    } finally {
      await store.delete(account);
    }
  });

  it('names the account after the repository', () => {
    expect(repoPasswordAccount('0b7c1e2a')).toBe('repo:0b7c1e2a');
  });
});

describe('KeytarStore without a usable keychain', () => {
  it('reports no reachable D-Bus as keychain-unavailable, with a plain message and a hint', async () => {
    // A bus address that points nowhere, and no bus address and no X11 display at all.
    const envs: Record<string, string>[] = [{ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' }, {}];
    for (const env of envs) {
      for (const op of ['get', 'set', 'delete']) {
        const r = await inChild(env, op, 'repo:x', 'the-secret-value');
        expect(r.ok).toBe(false);
        if (r.ok) continue;
        expect(r.error.kind).toBe('keychain-unavailable');
        expect(r.error.message).toBe(
          'The system keychain is not available, so Restray cannot read or store the repository password.',
        );
        expect(r.error.hint).toMatch(/gnome-keyring.*KeePassXC.*KWallet/);
        expect(JSON.stringify(r)).not.toContain('the-secret-value');
      }
    }
  });
});

describe('KeytarStore with a locked keyring (its own keyring session)', () => {
  let session: KeyringSession;
  const gdbus = (...args: string[]) =>
    execa('gdbus', ['call', '--session', '--dest', 'org.freedesktop.secrets', ...args], {
      env: { ...process.env, ...session.env },
    });
  beforeAll(async () => {
    session = await startKeyringSession();
  });
  afterAll(() => session?.stop());

  it('reports keychain-locked for set, get and delete instead of "not found"', async () => {
    const env = { ...session.env };
    const stored = await inChild(env, 'set', 'repo:locked-test', 'locked-secret-value');
    expect(stored).toEqual({ ok: true, value: null });
    expect(await inChild(env, 'get', 'repo:locked-test')).toEqual({ ok: true, value: 'locked-secret-value' });

    // Lock the login collection the way a screen lock or `secret-tool lock` does (no prompt needed).
    await gdbus(
      '--object-path',
      '/org/freedesktop/secrets',
      '--method',
      'org.freedesktop.Secret.Service.Lock',
      "['/org/freedesktop/secrets/collection/login']",
    );
    const locked = await gdbus(
      '--object-path',
      '/org/freedesktop/secrets/collection/login',
      '--method',
      'org.freedesktop.DBus.Properties.Get',
      'org.freedesktop.Secret.Collection',
      'Locked',
    );
    expect(locked.stdout).toContain('true');

    for (const op of ['get', 'set', 'delete']) {
      const r = await inChild(env, op, 'repo:locked-test', 'other-secret-value');
      expect(r).toMatchObject({ ok: false, error: { kind: 'keychain-locked' } });
      expect(JSON.stringify(r)).not.toMatch(/locked-secret-value|other-secret-value/);
    }
  });
});

describe('KeytarStore on a session bus without a usable Secret Service', () => {
  const cleanups: (() => void)[] = [];
  afterAll(() => cleanups.forEach((c) => c()));

  /** A private session bus; with `services` false it has no activatable services at all. */
  async function privateBus(services: boolean): Promise<{ address: string; home: string }> {
    const home = mkdtempSync(join(tmpdir(), 'restray-bus-'));
    const config = join(home, 'bus.conf');
    writeFileSync(
      config,
      `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=${home}</listen>
  <auth>EXTERNAL</auth>
  ${services ? '<standard_session_servicedirs/>' : ''}
  <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
`,
    );
    const r = await execa(
      'dbus-daemon',
      [`--config-file=${config}`, '--fork', '--print-address=1', '--print-pid=1'],
      {
        env: { ...process.env, HOME: home },
      },
    );
    const [address, pid] = r.stdout.trim().split('\n');
    cleanups.push(() => {
      try {
        process.kill(Number(pid));
      } catch {
        // gone
      }
      rmSync(home, { recursive: true, force: true });
    });
    return { address: address!, home };
  }

  it('reports a bus where no Secret Service is installed as keychain-unavailable', async () => {
    const bus = await privateBus(false);
    for (const op of ['get', 'set', 'delete']) {
      const r = await inChild(
        { DBUS_SESSION_BUS_ADDRESS: bus.address, HOME: bus.home },
        op,
        'repo:x',
        's3cret-value',
      );
      expect(r).toMatchObject({ ok: false, error: { kind: 'keychain-unavailable' } });
      expect(JSON.stringify(r)).not.toContain('s3cret-value');
    }
  });

  it('reports a Secret Service without a default keyring as keychain-unavailable, not as "no password"', async () => {
    const bus = await privateBus(false);
    const env = { DBUS_SESSION_BUS_ADDRESS: bus.address, HOME: bus.home, XDG_RUNTIME_DIR: bus.home };
    // gnome-keyring without --unlock in a fresh HOME: the service runs but no login keyring exists yet.
    const daemon = execa('gnome-keyring-daemon', ['--foreground', '--components=secrets'], {
      env: { ...process.env, ...env },
      reject: false,
      stdin: 'ignore',
    });
    cleanups.push(() => daemon.kill());
    const deadline = Date.now() + 15_000;
    for (;;) {
      const owner = await execa(
        'dbus-send',
        [
          '--session',
          '--print-reply',
          '--dest=org.freedesktop.DBus',
          '/org/freedesktop/DBus',
          'org.freedesktop.DBus.NameHasOwner',
          'string:org.freedesktop.secrets',
        ],
        { env: { ...process.env, ...env }, reject: false },
      );
      if (owner.stdout.includes('boolean true')) break;
      if (Date.now() > deadline)
        throw new Error('gnome-keyring-daemon did not take org.freedesktop.secrets within 15 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const op of ['get', 'set', 'delete']) {
      const r = await inChild(env, op, 'repo:x', 's3cret-value');
      expect(r).toMatchObject({ ok: false, error: { kind: 'keychain-unavailable' } });
      if (!r.ok) expect(r.error.message).toMatch(/no default keyring/);
    }
  });
});
