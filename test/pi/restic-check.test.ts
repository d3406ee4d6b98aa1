import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offsitePaths, walkRepo } from '../../pi/src/offsite/store.js';
import { readStatusFile, startTwoPiLab, writeRandomFiles, type TwoPiLab } from './lab-two-pi.js';

describe('optional restic check offsite (verify.resticCheck + restic-password secret)', () => {
  let lab: TwoPiLab;
  const logs: string[] = [];
  const setPassword = (pw: string) => {
    const s = JSON.parse(readFileSync(lab.offsite.secretsPath, 'utf8'));
    s['restic-password'] = pw;
    writeFileSync(lab.offsite.secretsPath, JSON.stringify(s), { mode: 0o600 });
  };
  beforeAll(async () => {
    lab = await startTwoPiLab({
      faultProxy: false,
      configure: (c) => {
        c.offsite.retention = { keepLast: 5 };
        c.offsite.verify = { rotationRuns: 4, concurrency: 2, resticCheck: true, resticPath: 'restic' };
      },
    });
  });
  afterAll(async () => {
    if (process.env.RESTRAY_PI_TEST_LOG) console.log(logs.join('\n'));
    await lab?.stop();
  });
  const sync = () => lab.sync({ log: (l) => void logs.push(l) });
  const backup = async (name: string) => {
    writeRandomFiles(join(lab.dir, name), 2, 200_000);
    await lab.restic(['backup', '--host', 'ws', join(lab.dir, name)]);
  };

  it('checks the new generation read-only and records the result in the status', async () => {
    setPassword(lab.workstation.password);
    await backup('a');
    const out = await sync();
    expect(out.result).toBe('ok');
    const p = offsitePaths(lab.offsite.root);
    const status = readStatusFile(p.status);
    expect(status.verification.resticCheck).toMatchObject({ ok: true });
    // Immutable: no lock written, nothing added to the generation, no cache inside it.
    const gen = join(p.generations, out.promoted!);
    expect(readdirSync(join(gen, 'locks'))).toEqual([]);
    expect(walkRepo(gen).every((f) => /^(config|(data|index|keys|snapshots)\/)/.test(f.path))).toBe(true);
    // The password went through the environment or a file, never into the status or the log.
    expect(JSON.stringify(status)).not.toContain(lab.workstation.password);
    expect(logs.join('\n')).not.toContain(lab.workstation.password);
  });

  it('a password that does not open the repository is recorded and alerted; the run itself stays ok', async () => {
    setPassword('not-the-password');
    await backup('b');
    const out = await sync();
    expect(out.result).toBe('ok');
    const status = readStatusFile(offsitePaths(lab.offsite.root).status);
    expect(status.verification.resticCheck?.ok).toBe(false);
    expect(status.verification.resticCheck?.message).toMatch(/does not open generation/);
    expect(JSON.stringify(status)).not.toContain('not-the-password');
    await lab.alerts.waitFor(
      (r) => r.path === '/hook' && (r.json as { event: string }).event === 'damaged' && /restic/.test(r.body),
    );
  });
});
