import { execFile } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePiStatus, PI_STATUS_ENVELOPE_VERSION } from '../../contract/pi-status.js';
import { listGenerations, offsitePaths } from '../../pi/src/offsite/store.js';
import { listTree, startTwoPiLab, writeRandomFiles, type TwoPiLab } from './lab-two-pi.js';

const run = promisify(execFile);

describe('restray-pi sync: full pull, restore, incremental', () => {
  let lab: TwoPiLab;
  beforeAll(async () => {
    // keepLast: several generations a day would otherwise collapse to the day's newest (keepDaily).
    lab = await startTwoPiLab({ configure: (c) => void (c.offsite.retention = { keepLast: 5 }) });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  const sync = () => lab.sync();

  it('pulls a restic-written repository into a generation that stock restic restores from', async () => {
    const src = join(lab.dir, 'ws-data');
    writeRandomFiles(src, 6, 400_000);
    await lab.restic(['backup', '--host', 'ws', src]);
    const out = await sync();
    expect(out.result).toBe('ok');
    expect(out.promoted).toMatch(/^\d{8}T\d{6}Z$/);
    const p = offsitePaths(lab.offsite.root);
    expect(listGenerations(p)).toEqual([out.promoted]);
    const gen = join(p.generations, out.promoted!);

    const target = join(lab.dir, 'restored');
    await run('restic', ['-r', gen, 'restore', 'latest', '--target', target], { env: lab.workstation.env });
    const restoredRoot = join(target, src);
    expect(listTree(restoredRoot)).toEqual(listTree(src));
    for (const f of listTree(src))
      expect(readFileSync(join(restoredRoot, f)).equals(readFileSync(join(src, f)))).toBe(true);

    // Status: written locally, published onsite, readable through the workstation's status key.
    const published = JSON.parse(readFileSync(join(lab.onsite.statusDir, 'offsite.json'), 'utf8'));
    const parsed = parsePiStatus(published);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.status.lastRun?.result).toBe('ok');
    expect(parsed.status.generations[0]?.snapshotIds).toHaveLength(1);
    const viaSsh = await run('ssh', [
      '-F',
      '/dev/null',
      '-i',
      lab.workstation.key,
      '-p',
      String(lab.onsite.sshd.port),
      '-o',
      'BatchMode=yes',
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      `UserKnownHostsFile=${lab.workstation.knownHosts}`,
      '-o',
      'StrictHostKeyChecking=yes',
      `${lab.onsite.users.status}@127.0.0.1`,
    ]);
    // The signed envelope (version 3) around the status.
    expect(JSON.parse(viaSsh.stdout).schemaVersion).toBe(PI_STATUS_ENVELOPE_VERSION);
  });

  it('transfers only the new packs on an incremental run', async () => {
    const src = join(lab.dir, 'ws-data');
    writeRandomFiles(src, 2, 500_000, 'new');
    await lab.restic(['backup', '--host', 'ws', src]);
    const before = lab.proxy!.bytes.down;
    const out = await sync();
    expect(out.result).toBe('ok');
    const wire = lab.proxy!.bytes.down - before;
    // ~1 MB of new, incompressible data: the run must move about that, not the 3.4 MB repository again.
    expect(out.bytesTransferred).toBeGreaterThan(1_000_000);
    expect(out.bytesTransferred).toBeLessThan(1_250_000);
    expect(wire).toBeLessThan(1_400_000);
    const p = offsitePaths(lab.offsite.root);
    expect(listGenerations(p)).toHaveLength(2);
    const s = parsePiStatus(JSON.parse(readFileSync(p.status, 'utf8')));
    expect(s.ok && s.status.generations[0]!.snapshotIds).toHaveLength(2);
    expect(s.ok && s.status.generations[0]!.newBytes).toBeLessThan(1_100_000);
  });

  it('copies restic files only (no locks, no strays), also from an onsite Pi with the old forced commands', async () => {
    const { repo, statusDir, users } = lab.onsite;
    // A stale lock (no operation in progress: it does not hold the run) and files restic would not read.
    const lock = join(repo, 'locks', 'c'.repeat(64));
    writeFileSync(lock, 'lock');
    utimesSync(lock, Date.now() / 1000 - 7200, Date.now() / 1000 - 7200);
    writeFileSync(join(repo, 'index', 'upload.tmp'), 'partial');
    writeFileSync(join(repo, 'README'), 'not restic');
    const logs: string[] = [];
    const syncLogged = () => lab.sync({ log: (l) => void logs.push(l) });
    const src = join(lab.dir, 'ws-data');
    const p = offsitePaths(lab.offsite.root);
    const check = async (round: string) => {
      writeFileSync(join(src, `${round}.bin`), round.repeat(100_000));
      await lab.restic(['backup', '--host', 'ws', src]);
      const out = await syncLogged();
      expect(out.result, logs.join('\n')).toBe('ok');
      const gen = join(p.generations, out.promoted!);
      expect(
        listTree(gen).filter(
          (f) =>
            f.startsWith('locks/') || !/^(config|(keys|index|snapshots|data\/..)\/[0-9a-f]{64})$/.test(f),
        ),
      ).toEqual([]);
      expect(existsSync(join(gen, 'locks'))).toBe(true);
      const published = parsePiStatus(JSON.parse(readFileSync(join(statusDir, 'offsite.json'), 'utf8')));
      expect(published.ok && published.status.lastRun?.promoted).toBe(out.promoted);
    };
    await check('a');

    // Provisioned before restray-list and restray-put-status: rsync lists and uploads, and the log says so.
    const staged = join(lab.dir, 'provisioned-authorized-keys');
    const lines = (u: string) => readFileSync(join(staged, u), 'utf8').split('\n').filter(Boolean);
    const blob = (path: string) => readFileSync(`${path}.pub`, 'utf8').split(' ')[1]!;
    const rrsync = (await run('sh', ['-c', 'command -v rrsync'])).stdout.trim();
    const old = (u: string, keyPath: string, command: string) =>
      lines(u).map((l) =>
        l.includes(blob(keyPath))
          ? `command="${command}",restrict ${readFileSync(`${keyPath}.pub`, 'utf8').trim()}`
          : l,
      );
    lab.onsite.sshd.setAuthorizedKeys(
      users.pull,
      old(users.pull, lab.offsite.pullKey, `${rrsync} -ro ${repo}`),
    );
    lab.onsite.sshd.setAuthorizedKeys(
      users.status,
      old(users.status, lab.offsite.statusKey, `${rrsync} -wo -no-del ${statusDir}`),
    );
    try {
      await check('b');
      expect(logs.some((l) => /provision onsite/.test(l))).toBe(true);
    } finally {
      lab.onsite.sshd.setAuthorizedKeys(users.pull, lines(users.pull));
      lab.onsite.sshd.setAuthorizedKeys(users.status, lines(users.status));
    }
  });
});
