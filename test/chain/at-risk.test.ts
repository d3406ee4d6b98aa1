import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppState, ChainStatus, EngineEvent } from '../../contract/app-state.js';
import { PassThrough } from 'node:stream';
import { runCli } from '../../cli/main.js';
import { resolvePaths } from '../../core/config/paths.js';
import { AppEngine } from '../../core/engine/app-engine.js';
import { Engine } from '../../core/engine/engine.js';
import { Notifier, noticesForEvent } from '../../electron/main/notifications.js';
import { StateCache } from '../../electron/main/state-cache.js';
import { trayStatus, type TrayStatus } from '../../electron/main/tray-icon.js';
import { writeRandomFiles } from '../pi/lab-two-pi.js';
import { waitFor } from '../restic/restic-lab.js';
import { memorySecrets, startChainLab, type ChainLab } from './chain-lab.js';

/**
 * "Safe" means the newest work (issue 12): after a safe chain, three scheduled backups fail (their folder is
 * gone: real restic exits 1). The chain turns at risk with the very derivation that follows the first failure,
 * the tray (main's StateCache, trayStatus and Notifier, fed by the real engine's events — the same modules
 * main.ts wires to Electron) turns warning, and exactly one notification is shown for the three failures.
 */
describe('at risk after failed backups (real sshd, restic, rclone, restray-pi sync)', () => {
  let lab: ChainLab;
  let engine: Engine;
  let cache: StateCache;
  let home: string;
  let src: string;
  const events: EngineEvent[] = [];
  const looks: TrayStatus[] = [];
  const shown: { title: string; body: string }[] = [];
  const chains = () => events.filter((e) => e.type === 'chain-changed').map((e) => e.chain);

  beforeAll(async () => {
    lab = await startChainLab();
    home = mkdtempSync(join(tmpdir(), 'restray-at-risk-'));
    engine = await Engine.open({
      paths: resolvePaths('linux', { RESTRAY_HOME: home }, home),
      secrets: memorySecrets(),
    });
    engine.subscribe((e) => events.push(e));
    // Pinned: an unpinned status key alone shows as a warning in the tray (see trayStatus).
    await engine.addRepository(
      { ...lab.repository(), offsiteStatusKey: lab.statusKey },
      lab.pis.workstation.password,
      {
        verify: true,
      },
    );
    src = join(lab.pis.dir, 'ws-at-risk');
    writeRandomFiles(src, 3, 100_000);
    await engine.savePlan({ name: 'home', repo: 'pi', paths: [src], schedule: '0 * * * *', prune: false });

    const notifier = new Notifier(
      (o) => ({ on: () => undefined, show: () => void shown.push({ title: o.title, body: o.body }) }),
      () => undefined,
    );
    cache = new StateCache(new AppEngine(engine), {
      beforeEvent: (prev: AppState, event: EngineEvent) =>
        void notifier.show(
          noticesForEvent(prev, event, { lang: 'en', now: new Date(), windowFocused: false }),
          prev.config.notifications.level,
        ),
      changed: (state) => void looks.push(trayStatus(state, new Date(), 'en')),
    });
    await cache.start();
  });
  afterAll(async () => {
    cache?.stop();
    await engine?.close();
    await lab?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('is safe after a backup the offsite Pi verified', async () => {
    const run = await engine.startBackup('home', 'schedule').done;
    expect(run.result, JSON.stringify(run.error)).toBe('success');
    expect((await lab.sync()).result).toBe('ok');
    const [c] = await engine.refreshChains(['pi']);
    expect(c?.verdict).toBe('safe');
    expect(c?.offsite.trust?.state).toBe('signed');
    expect(cache.state?.repos[0]?.chain.verdict).toBe('safe');
    expect(looks.at(-1)?.look).toBe('ok');
  });

  it('three failed backups: at risk from the first derivation on, the tray warns, one notification', async () => {
    const before = shown.length;
    const chainsBefore = chains().length;
    renameSync(src, `${src}.gone`);
    const failures = [];
    for (let i = 0; i < 3; i++) {
      const run = await engine.startBackup('home', 'schedule').done;
      expect(run.result).toBe('failed');
      failures.push(run);
      // The chain-changed that follows each failure is derived from the run record alone (no Pi asked).
      await waitFor('the chain after the failure', () => chains().length > chainsBefore + i, 60_000);
    }
    const after = chains().slice(chainsBefore);
    // Within one derivation: the first chain after the first failure already says at risk, and it stays so.
    expect(after.map((c) => c.verdict)).toEqual(after.map(() => 'at-risk'));
    const last: ChainStatus = after.at(-1)!;
    expect(last.risk).toMatchObject({
      plan: 'home',
      cause: 'failed',
      failures: 3,
      since: failures[0]!.endedAt,
      runId: failures[2]!.id,
    });
    // The offsite copy is still fine: at risk is about the newest work, not the Pis.
    expect(last.offsite.state).toBe('ok');

    await waitFor('the tray cache at risk', () => cache.state?.repos[0]?.chain.risk?.failures === 3, 60_000);
    const tray = trayStatus(cache.state, new Date(), 'en');
    expect(tray.look).toBe('warning');
    expect(tray.tooltip).toMatch(/^At risk: Backups of “home” have failed since /);
    expect(tray.tooltip).toMatch(/then back up now\.$/);
    expect(trayStatus(cache.state, new Date(), 'de').tooltip).toMatch(
      /^Gefährdet: Sicherungen von „home“ schlagen seit .* fehl: /,
    );
    expect(shown.slice(before)).toHaveLength(1);
    expect(shown.at(-1)?.title).toBe('Backups at risk');

    // `restray status` says the same, with the next step, in English and (by the locale) in German.
    const en = await status(engine, 'C.UTF-8');
    expect(en).toMatch(/^pi: at risk: the newest work is not backed up$/m);
    expect(en).toMatch(/^ {2}why: Backups of “home” have failed since .+: /m);
    expect(en).toMatch(/^ {2}next step: Open the run’s log for the cause, fix it, then back up now\.$/m);
    const de = await status(engine, 'de_DE.UTF-8');
    expect(de).toMatch(/^pi: gefährdet: die neueste Arbeit ist nicht gesichert$/m);
    expect(de).toMatch(/^ {2}warum: Sicherungen von „home“ schlagen seit .+ fehl: /m);
    expect(de).toMatch(/^ {2}nächster Schritt: /m);

    // A check of the Pis changes nothing: still at risk, no second notification.
    const [checked] = await engine.refreshChains(['pi']);
    expect(checked?.verdict).toBe('at-risk');
    expect(shown.slice(before)).toHaveLength(1);

    // The folder is back and the next backup succeeds: no longer at risk.
    renameSync(`${src}.gone`, src);
    const ok = await engine.startBackup('home', 'schedule').done;
    expect(ok.result).toBe('success');
    await waitFor(
      'no longer at risk',
      () => cache.state?.repos[0]?.chain.verdict === 'not-yet-offsite',
      60_000,
    );
    expect(cache.state?.repos[0]?.chain.risk).toBeUndefined();
  });
});

/** `restray status --no-check` in this process on the test's engine, under the given LANG. */
async function status(engine: Engine, lang: string): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const saved = { LANG: process.env.LANG, LC_ALL: process.env.LC_ALL, LC_MESSAGES: process.env.LC_MESSAGES };
  Object.assign(process.env, { LANG: lang, LC_ALL: '', LC_MESSAGES: '' });
  try {
    const code = await runCli(['status', '--no-check'], {
      engine: async () => engine,
      out,
      err: out,
      stdin: new PassThrough(),
      exitCode: 0,
      logBug: () => undefined,
    });
    expect(code, text).toBe(0);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return text;
}
