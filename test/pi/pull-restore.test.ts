import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePiStatus } from '../../contract/pi-status.js';
import { loadSecrets } from '../../pi/src/config.js';
import { listGenerations, offsitePaths } from '../../pi/src/offsite-store.js';
import { runSync } from '../../pi/src/sync.js';
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

  const sync = () =>
    runSync({
      config: lab.offsite.config,
      offsite: lab.offsite.config.offsite!,
      secrets: loadSecrets(lab.offsite.secretsPath),
      trigger: 'manual',
      log: () => undefined,
    });

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
    expect(JSON.parse(viaSsh.stdout).schemaVersion).toBe(1);
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
});
