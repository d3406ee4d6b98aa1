import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestrayError } from '../../core/errors.js';
import { passwordAccount } from '../../core/engine/repo-context.js';
import { KeytarStore } from '../../core/secrets/keytar-store.js';
import type { Engine } from '../../core/engine/engine.js';
import type { EnginePort } from '../../electron/main/engine-port.js';
import { openRealEngine } from '../e2e/real-engine.js';
import { runPrintedOffsiteCommand, startChainLab, type ChainLab } from './chain-lab.js';

async function expectError(p: Promise<unknown>, kind: string): Promise<RestrayError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(RestrayError);
  expect((e as RestrayError).kind, (e as RestrayError).message).toBe(kind);
  return e as RestrayError;
}

/**
 * What the setup wizard's offsite step and Settings do, against the chain lab (real sshd for both Pis,
 * restray-pi provisioning and sync, restic, gnome-keyring): the provisioning command for the offsite Pi, its
 * host key pinned separately, faults that save nothing, then status and restore access saved and used; and
 * storing a lost password after checking it.
 */
describe('offsite setup and a lost password (real engine, chain lab)', () => {
  let lab: ChainLab;
  let port: EnginePort;
  let engine: Engine;
  let close: () => Promise<void>;
  let src: string;

  beforeAll(async () => {
    lab = await startChainLab();
    ({ port, engine, close } = await openRealEngine());
    const { offsiteStatusUser: _s, offsite: _o, ...plain } = lab.repository();
    await engine.addRepository(plain, lab.pis.workstation.password, { verify: true });
    src = join(lab.pis.dir, 'setup-data');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'safe two sites away\n');
    await engine.savePlan({ name: 'home', repo: 'pi', paths: [src], prune: false });
    expect((await engine.startBackup('home', 'manual').done).result).toBe('success');
    expect((await lab.sync()).result).toBe('ok');
  });
  afterAll(async () => {
    await close?.();
    await lab?.stop();
  });

  it('prints the offsite command, pins the offsite host key, refuses bad settings, then saves and browses offsite', async () => {
    const offsiteHost = { host: '127.0.0.1', port: lab.offsiteSshd.port };
    const cmd = await port.offsiteCommand({ repo: 'pi', user: lab.restoreUser, path: lab.offsiteRoot });
    expect(cmd.provisionCommand).toMatch(/^sudo restray-pi provision offsite --root /);
    expect(cmd.provisionCommand).toContain(cmd.publicKey);
    // The administrator runs it on the offsite Pi.
    await runPrintedOffsiteCommand(lab, cmd.provisionCommand);

    const access = { ...offsiteHost, user: lab.restoreUser, path: lab.offsiteRoot };
    const configBefore = JSON.stringify(engine.getConfig());
    // Host key not confirmed yet: refused, nothing saved.
    await expectError(port.saveOffsite({ repo: 'pi', statusUser: null, access }), 'host-key-unknown');
    const [fp] = await port.scanHostKey(offsiteHost);
    await port.confirmHostKey({ repo: 'pi', ...offsiteHost, fingerprint: fp!.fingerprint, hop: 'offsite' });
    const sshDir = engine.paths.sshDir;
    expect(existsSync(join(sshDir, 'pi.offsite.known_hosts'))).toBe(true);
    // A status account that does not take this key, and a restore account that does not exist: refused.
    const e = await expectError(
      port.saveOffsite({ repo: 'pi', statusUser: lab.restoreUser, access: null }),
      'permission-denied',
    );
    expect(e.message).toMatch(/^Status account on the onsite Pi: /);
    await expectError(
      port.saveOffsite({ repo: 'pi', statusUser: null, access: { ...access, user: 'nobody' } }),
      'permission-denied',
    );
    expect(JSON.stringify(engine.getConfig())).toBe(configBefore);

    const report = await port.saveOffsite({
      repo: 'pi',
      statusUser: lab.pis.onsite.users.status,
      access,
    });
    expect(report.generations).toBe(1);
    expect(report.newestGeneration).toMatch(/^\d{8}T\d{6}Z$/);
    // Signed by the offsite Pi, but no key pinned yet: said, with the step (the wizard shows it).
    expect(report.notes).toEqual(['status-key-not-pinned']);
    const saved = engine.getConfig().repositories[0]!;
    expect(saved.offsiteStatusUser).toBe(lab.pis.onsite.users.status);
    expect(saved.offsite).toEqual({
      ...access,
      sshKey: lab.pis.workstation.key,
      knownHosts: join(sshDir, 'pi.offsite.known_hosts'),
    });
    // The chain reads the offsite status; browsing and restoring from offsite work with the saved access.
    const [chain] = await engine.refreshChains(['pi']);
    expect(chain!.verdict).toBe('safe');
    const snaps = await port.listSnapshots({ repo: 'pi', source: 'offsite' });
    expect(snaps).toHaveLength(1);
    const entries = await port.listDir({ repo: 'pi', snapshot: snaps[0]!.id, path: src, source: 'offsite' });
    expect(entries.entries.map((x) => x.name)).toEqual(['a.txt']);

    // Turning both off again saves without asking the Pis.
    expect(await port.saveOffsite({ repo: 'pi', statusUser: null, access: null })).toEqual({
      generations: 0,
      notes: [],
    });
    expect(engine.getConfig().repositories[0]!.offsite).toBeUndefined();
    expect(engine.getConfig().repositories[0]!.offsiteStatusUser).toBeUndefined();
  });

  it('stores a lost password only after it opens the repository', async () => {
    const repo = engine.getConfig().repositories[0]!;
    const keychain = new KeytarStore({ service: `restray-e2e-${process.pid}` });
    expect(await keychain.delete(passwordAccount(repo))).toBe(true);
    expect((await port.getState()).repos[0]!.hasPassword).toBe(false);
    await expectError(port.setPassword({ repo: 'pi', password: 'not-the-password' }), 'wrong-password');
    expect(await keychain.get(passwordAccount(repo))).toBeUndefined();
    await port.setPassword({ repo: 'pi', password: lab.pis.workstation.password });
    expect((await port.getState()).repos[0]!.hasPassword).toBe(true);
    expect((await engine.startBackup('home', 'manual').done).result).toBe('success');
    rmSync(join(src, 'a.txt'));
  });
});
