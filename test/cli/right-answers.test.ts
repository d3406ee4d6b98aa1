import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeRepoPassword, type PasswordChangeStep } from '../../core/engine/password-change.js';
import * as restic from '../../core/restic/index.js';
import { KeytarStore } from '../../core/secrets/keytar-store.js';
import { startKeyringSession, type KeyringSession } from '../lab/keyring-session.js';
import { localContext, resticBinary, writeTree } from '../restic/restic-lab.js';
import { workstation, type Workstation } from './cli-lab.js';

const PASSWORD = 'right answers password 777';
const lines = (s: string) => s.split('\n').filter(Boolean);

/** Every secret of the `restray` service in a keyring session, as `account` values. */
function storedAccounts(session: KeyringSession): string[] {
  // secret-tool prints the attributes on stderr.
  const r = spawnSync('secret-tool', ['search', '--all', 'service', 'restray'], {
    env: { ...process.env, ...session.env },
    encoding: 'utf8',
  });
  return [...`${r.stdout}\n${r.stderr}`.matchAll(/^attribute\.account = (.*)$/gm)].map((m) => m[1]!);
}

function initRepo(dir: string, password: string): void {
  execFileSync(resticBinary, ['init', '-r', dir], {
    env: { ...process.env, RESTIC_PASSWORD: password },
    stdio: 'ignore',
  });
}

describe('restray gives right answers (real restic, real keychain)', () => {
  let own: KeyringSession;
  let ws: Workstation;
  beforeAll(async () => {
    own = await startKeyringSession();
    ws = workstation();
  });
  afterAll(() => own.stop());
  const run = (args: string[], input?: string, env: Record<string, string> = { ...own.env }) =>
    ws.run(args, { env, ...(input === undefined ? {} : { input }) });

  it('a password change whose keychain write fails takes the new key back: the old password alone opens it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'restray-pw-')), 'repo');
    initRepo(dir, PASSWORD);
    const failing = {
      get: async () => PASSWORD,
      set: () => Promise.reject(new Error('keychain went away')),
      delete: async () => false,
    };
    await expect(
      changeRepoPassword(localContext(dir, PASSWORD), failing, 'a', 'the new one'),
    ).rejects.toThrow('keychain went away');
    await expect(restic.snapshots(localContext(dir, 'the new one'))).rejects.toMatchObject({
      kind: 'wrong-password',
    });
    expect(await restic.snapshots(localContext(dir, PASSWORD))).toEqual([]);
  });

  it('repo add checks the password of an existing repository before storing it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'restray-ra-')), 'repo');
    initRepo(dir, PASSWORD);
    const wrong = await run(['repo', 'add', 'existing', '--url', dir], 'not the password\n');
    expect(wrong.exitCode).toBe(12);
    expect(lines(wrong.stderr)).toHaveLength(1);
    expect(storedAccounts(own)).toEqual([]);
    expect((await run(['repo', 'list'])).stdout).toBe('');
    const right = await run(['repo', 'add', 'existing', '--url', dir], `${PASSWORD}\n`);
    expect(right.exitCode, right.stderr).toBe(0);
    expect(storedAccounts(own)).toHaveLength(1);
    // Where no repository is yet, it is added for a later `repo init`, and says so.
    const later = await run(['repo', 'add', 'later', '--url', `${dir}-later`], `${PASSWORD}\n`);
    expect(later.exitCode, later.stderr).toBe(0);
    expect(later.stdout).toMatch(/no repository at that place yet.*restray repo init later/);
  });

  it('repo add --init rolls the stored password back when init fails, and creates nothing without a keychain', async () => {
    const before = storedAccounts(own);
    // init fails: a repository is already there.
    const dir = join(mkdtempSync(join(tmpdir(), 'restray-ra-')), 'repo');
    initRepo(dir, 'someone else');
    const failed = await run(['repo', 'add', 'twice', '--url', dir, '--init'], `${PASSWORD}\n`);
    expect(failed.exitCode).not.toBe(0);
    expect(lines(failed.stderr)).toHaveLength(1);
    expect(storedAccounts(own)).toEqual(before);
    expect((await run(['repo', 'list'])).stdout).not.toContain('twice');
    // No keychain at all: a plain error, and no repository created whose password would be stored nowhere.
    const fresh = join(mkdtempSync(join(tmpdir(), 'restray-ra-')), 'repo');
    const noKeychain = await run(['repo', 'add', 'nokc', '--url', fresh, '--init'], `${PASSWORD}\n`, {
      DBUS_SESSION_BUS_ADDRESS: '',
    });
    expect(noKeychain.exitCode).toBe(1);
    expect(lines(noKeychain.stderr)).toHaveLength(1);
    expect(noKeychain.stderr).toMatch(/keychain is not available/);
    expect(existsSync(fresh)).toBe(false);
  });

  it('restore reports what it restored and fails in one line when an include matched nothing', async () => {
    const src = mkdtempSync(join(tmpdir(), 'restray-ra-src-'));
    writeTree(src, { 'docs/a.txt': 'alpha', 'docs/b.txt': 'beta!' });
    const dir = join(mkdtempSync(join(tmpdir(), 'restray-ra-')), 'repo');
    expect((await run(['repo', 'add', 'r3', '--url', dir, '--init'], `${PASSWORD}\n`)).exitCode).toBe(0);
    expect((await run(['plan', 'add', 'p3', '--repo', 'r3', '--path', src])).exitCode).toBe(0);
    expect((await run(['backup', 'p3'])).exitCode).toBe(0);
    const target = mkdtempSync(join(tmpdir(), 'restray-ra-target-'));
    const one = await run([
      'restore',
      'r3',
      'latest',
      '--target',
      target,
      '--include',
      join(src, 'docs/a.txt'),
    ]);
    expect(one.exitCode, one.stderr).toBe(0);
    // (formatBytes puts a no-break space between number and unit)
    expect(one.stdout).toMatch(/^Restored 1 file \(5\sB\) into /);
    expect(one.stdout).toContain(`into ${target}.`);
    const none = await run([
      'restore',
      'r3',
      'latest',
      '--target',
      target,
      '--include',
      join(src, 'no/such/path'),
    ]);
    expect(none.exitCode).not.toBe(0);
    expect(lines(none.stderr)).toHaveLength(1);
    expect(none.stderr).toMatch(/^restray: Nothing in snapshot latest matched ".*no\/such\/path"/);
    expect(none.stdout).toBe('');
  });

  it('a file name that is not UTF-8 is backed up, listed and restored byte for byte', async () => {
    const src = mkdtempSync(join(tmpdir(), 'restray-ra-src-'));
    const rawName = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x74, 0x78, 0x74]); // "caf\xe9.txt" in Latin-1
    mkdirSync(join(src, 'latin1'));
    writeFileSync(Buffer.concat([Buffer.from(join(src, 'latin1') + '/'), rawName]), 'bytes of café');
    const dir = join(mkdtempSync(join(tmpdir(), 'restray-ra-')), 'repo');
    expect((await run(['repo', 'add', 'r4', '--url', dir, '--init'], `${PASSWORD}\n`)).exitCode).toBe(0);
    expect((await run(['plan', 'add', 'p4', '--repo', 'r4', '--path', src])).exitCode).toBe(0);
    const backup = await run(['backup', 'p4']);
    expect(backup.exitCode, backup.stderr).toBe(0);
    const ls = await run(['ls', 'r4', 'latest', join(src, 'latin1')]);
    expect(ls.exitCode, ls.stderr).toBe(0);
    expect(lines(ls.stdout)).toHaveLength(1);
    const target = mkdtempSync(join(tmpdir(), 'restray-ra-target-'));
    const restore = await run(['restore', 'r4', 'latest', '--target', target]);
    expect(restore.exitCode, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/^Restored 1 file /);
    const restoredDir = Buffer.from(join(target, src, 'latin1'));
    const names = readdirSync(restoredDir, { encoding: 'buffer' });
    expect(names).toEqual([rawName]);
    expect(readFileSync(Buffer.concat([restoredDir, Buffer.from('/'), rawName]), 'utf8')).toBe(
      'bytes of café',
    );
  });

  describe('a password change', () => {
    const saved: Record<string, string | undefined> = {};
    beforeAll(() => {
      // keytar in this process talks to the private keyring session.
      for (const [k, v] of Object.entries(own.env)) {
        saved[k] = process.env[k];
        process.env[k] = v;
      }
    });
    afterAll(() => {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });

    const steps: PasswordChangeStep[] = ['key-added', 'stored', 'old-key-removed'];
    for (const crashAt of steps) {
      it(`that dies after "${crashAt}" leaves a keychain password that opens the repository`, async () => {
        const dir = join(mkdtempSync(join(tmpdir(), 'restray-pw-')), 'repo');
        initRepo(dir, PASSWORD);
        const secrets = new KeytarStore();
        const account = `repo:test-${crashAt}`;
        await secrets.set(account, PASSWORD);
        const ctx = { ...localContext(dir, PASSWORD), password: async () => (await secrets.get(account))! };
        const next = `new password after ${crashAt}`;
        // A step that never returns plays the process dying there: nothing after it runs.
        let reached = false;
        void changeRepoPassword(ctx, secrets, account, next, async (step) => {
          if (step !== crashAt) return;
          reached = true;
          await new Promise<never>(() => {});
        });
        const deadline = Date.now() + 120_000;
        while (!reached && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
        expect(reached).toBe(true);
        const stored = (await secrets.get(account))!;
        expect(stored).toBe(crashAt === 'key-added' ? PASSWORD : next);
        expect(await restic.snapshots(localContext(dir, stored))).toEqual([]);
        // Once the old key is gone, only the new password opens the repository.
        if (crashAt === 'old-key-removed')
          await expect(restic.snapshots(localContext(dir, PASSWORD))).rejects.toMatchObject({
            kind: 'wrong-password',
          });
        await secrets.delete(account);
      });
    }
  });
});
