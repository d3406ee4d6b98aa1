import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../contract/app-state.js';
import { resolvePaths } from '../../core/config/paths.js';
import { waitFor, workstation, type Workstation } from '../cli/cli-lab.js';
import { writeRandomFiles } from '../pi/lab-two-pi.js';
import { writeRandomFile } from '../restic/restic-lab.js';
import { connectCliWorkstation, startChainLab, type ChainLab } from './chain-lab.js';

/**
 * `restray drill` (the CLI bundle, real keychain) on the chain lab: a drill from the offsite Pi passes and
 * `restray status` shows it in English and German; Ctrl-C during a drill cancels it and deletes the sample.
 */
describe('restray drill (CLI, real sshd, restic, restray-pi sync)', () => {
  let lab: ChainLab;
  let ws: Workstation;
  const drillsDir = () => join(resolvePaths('linux', ws.env, ws.home).stateDir, 'drills');
  /** Whatever any drill's private folder still holds. */
  const leftovers = () =>
    existsSync(drillsDir()) ? readdirSync(drillsDir()).flatMap((d) => readdirSync(join(drillsDir(), d))) : [];

  beforeAll(async () => {
    lab = await startChainLab();
    ws = workstation();
    await connectCliWorkstation(lab, ws);
    const src = join(lab.pis.dir, 'cli-drill-data');
    writeRandomFiles(src, 5, 50_000);
    // Large enough that a drill's restore is still running when the test presses Ctrl-C.
    writeRandomFile(join(src, 'large.bin'), 40_000_000);
    const plan = await ws.run(['plan', 'add', 'home', '--repo', 'pi', '--path', src]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const b = await ws.run(['backup', 'home']);
    expect(b.exitCode, b.stderr).toBe(0);
    expect((await lab.sync()).result).toBe('ok');
  }, 300_000);
  afterAll(async () => {
    if (ws) rmSync(ws.home, { recursive: true, force: true });
    await lab?.stop();
  });

  it('passes from the offsite Pi and shows in restray status, in English and German', async () => {
    const r = await ws.run(['drill', 'pi']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Last restore test from the offsite Pi: passed, 6 files, /m);
    expect(r.stdout).toMatch(/compared with the onsite copy \(generation \d{8}T\d{6}Z\)/);
    expect(leftovers()).toEqual([]);
    const en = await ws.run(['status', '--no-check']);
    expect(en.stdout).toMatch(
      /Last restore test from the offsite Pi: passed, 6 files, (this minute|\d+ minutes? ago)/,
    );
    const de = await ws.run(['status', '--no-check'], { env: { LANG: 'de_DE.UTF-8' } });
    expect(de.stdout).toMatch(/Letzter Wiederherstellungstest vom externen Pi: bestanden, 6 Dateien, /);
    const json = JSON.parse((await ws.run(['status', '--json', '--no-check'])).stdout) as {
      repos: { lastDrill?: RunRecord }[];
    };
    expect(json.repos[0]!.lastDrill?.drill).toMatchObject({ from: 'offsite', files: 6, failures: [] });
  });

  it('Ctrl-C during a drill cancels it (exit 130) and deletes the sample', async () => {
    const child = ws.run(['drill', 'pi']);
    await waitFor(() => leftovers().includes('drilled'), 'the drill to restore its sample', 120_000);
    // The sample's folder is private to this user while it exists.
    for (const d of readdirSync(drillsDir())) expect(statSync(join(drillsDir(), d)).mode & 0o777).toBe(0o700);
    expect(statSync(drillsDir()).mode & 0o777).toBe(0o700);
    process.kill(child.pid!, 'SIGINT');
    const r = await child;
    expect(r.exitCode, r.stderr).toBe(130);
    expect(leftovers()).toEqual([]);
    const json = JSON.parse((await ws.run(['status', '--json', '--no-check'])).stdout) as {
      repos: { lastDrill?: RunRecord }[];
    };
    expect(json.repos[0]!.lastDrill?.result).toBe('cancelled');
  });
});
