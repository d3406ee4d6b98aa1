import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../pi/src/main.js';
import { verifyNamedFiles } from '../../pi/src/hash.js';
import type { CrashPoint } from '../../pi/src/offsite/crash-point.js';
import { listGenerations, offsitePaths, walkRepo } from '../../pi/src/offsite/store.js';
import { fileId } from '../../pi/src/repo-files.js';
import {
  readStatusFile,
  startPushTarget,
  startTwoPiLab,
  waitUntil,
  writeRandomFiles,
  type PushTarget,
  type TwoPiLab,
} from './lab-two-pi.js';

const exec = promisify(execFile);
const BUNDLE = resolve('dist/pi/restray-pi.mjs');

/**
 * Where the runs are killed: each commit point of the offsite run (offsite/run.ts, commit.ts), some of them at a
 * later arrival (`:n`), in an order that lets each crash meet what the one before left (a cut transfer leaves a
 * staging folder the next run salvages; a cut retention leaves trash/). `--if-changed` runs hold an ssh master
 * connection of their own, which nothing but the parent-death signal would end.
 */
type Kill = { at: `${CrashPoint}${'' | `:${number}`}`; ifChanged?: true };
const PULL_POINTS: Kill[] = [
  { at: 'recover:done' },
  { at: 'transfer:file:1' },
  { at: 'staging:salvaged' },
  { at: 'list:done', ifChanged: true },
  { at: 'transfer:file:2' },
  { at: 'transfer:done' },
  { at: 'verify:file:1' },
  { at: 'verify:done', ifChanged: true },
  { at: 'guard:done' },
  { at: 'promote:meta' },
  { at: 'promote:renamed' },
  { at: 'retain:trashed' },
  { at: 'retain:meta' },
  { at: 'retain:delete:1' },
  { at: 'retain:delete:3' },
  { at: 'publish:written' },
  { at: 'publish:sent' },
];
/** Push mode shares the run's guard, promote, retain and publish phases: a few kills in each of its own. */
const PUSH_POINTS: Kill[] = [
  { at: 'list:done' },
  { at: 'verify:file:1' },
  { at: 'promote:meta' },
  { at: 'retain:trashed' },
  { at: 'publish:written' },
];

describe.each([
  ['pull', PULL_POINTS, 3],
  ['push', PUSH_POINTS, 1],
] as const)('restray-pi sync in %s mode killed with SIGKILL at every phase', (mode, points, randomKills) => {
  let lab: TwoPiLab;
  let target: PushTarget | undefined;
  let n = 0;
  /**
   * A new backup (in push mode also pushed), so that every run has something to transfer, verify, promote and
   * (keepLast 2) retire.
   */
  const backup = async () => {
    const d = join(lab.dir, `ws${n++}`);
    writeRandomFiles(d, 2, 300_000);
    await lab.restic(['backup', '--host', 'ws', d]);
    if (!target) return;
    let err = '';
    const code = await main(['push', '--config', target.onsiteConfigPath], {
      out: () => undefined,
      err: (t) => void (err += t),
      env: process.env,
    });
    expect(code, err).toBe(0);
  };
  /** `restray-pi sync` as its own process (the bundle), as systemd starts it. */
  const cliSync = (crashAt?: string, o: { killAfterMs?: number; ifChanged?: boolean } = {}) =>
    new Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }>((done, fail) => {
      const child = spawn(
        process.execPath,
        [
          BUNDLE,
          'sync',
          '--config',
          lab.offsite.configPath,
          '--trigger',
          'manual',
          ...(o.ifChanged ? ['--if-changed'] : []),
        ],
        {
          env: { ...process.env, RESTRAY_PI_TEST_CRASH_AT: crashAt ?? '' },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let err = '';
      child.stderr.on('data', (d: Buffer) => void (err += d.toString()));
      // A random moment of the run: the point of this kind of kill, not a wait for a condition.
      const timer =
        o.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), o.killAfterMs);
      child.on('error', fail);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        done({ code, signal, err });
      });
    });
  const p = () => offsitePaths(lab.offsite.root);

  /** Processes that belong to an offsite run: anything naming the offsite store or its keys (rsync, ssh, restic). */
  const runProcesses = (): string[] => {
    const marks = [lab.offsite.root, lab.offsite.pullKey, lab.offsite.statusKey];
    const out: string[] = [];
    for (const pid of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
      let cmd: string;
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      } catch {
        continue; // ended meanwhile
      }
      if (marks.some((m) => cmd.includes(m))) out.push(`${pid}: ${cmd}`);
    }
    return out;
  };

  // restic check of a generation is the slow part: each generation (name and inodes) is checked once.
  const checked = new Set<string>();
  /** Every generation on disk is complete: each file matches its SHA-256, and `restic check` accepts it. */
  const expectGenerationsVerify = async (when: string) => {
    for (const g of listGenerations(p())) {
      const dir = join(p().generations, g);
      const files = walkRepo(dir);
      const key = `${g} ${files
        .map((f) => `${f.path}:${f.ino}`)
        .sort()
        .join(',')}`;
      if (checked.has(key)) continue;
      const named = files.filter((f) => fileId(f.path)).map((f) => f.path);
      expect(await verifyNamedFiles(dir, named), `${when}: hashes of ${g}`).toEqual([]);
      expect(
        files.some((f) => f.path === 'config'),
        `${when}: ${g} has its config`,
      ).toBe(true);
      const r = await exec('restic', ['-r', dir, '--no-lock', 'check'], {
        env: { ...lab.workstation.env, RESTIC_REPOSITORY: '' },
      }).catch((e: { stderr?: string; stdout?: string }) => ({
        stdout: '',
        stderr: `${e.stdout}\n${e.stderr}`,
      }));
      expect(r.stderr, `${when}: restic check of ${g}`).not.toMatch(/error|Fatal/i);
      checked.add(key);
    }
  };

  /** The status as `restray-pi status --json` builds it from the store: exactly the generations on disk. */
  const expectStatusListsDisk = async (when: string) => {
    let out = '';
    await main(['status', '--json', '--config', lab.offsite.configPath], {
      out: (t) => void (out += t),
      err: () => undefined,
      env: process.env,
    });
    const listed = (JSON.parse(out) as { generations: { name: string }[] }).generations.map((g) => g.name);
    expect(listed.sort(), `${when}: status vs generations/`).toEqual(listGenerations(p()));
  };

  /** After a successful run: the stored and the published status, and generations.json, match the disk. */
  const expectStoredStatusMatches = (when: string) => {
    const disk = listGenerations(p());
    const stored = readStatusFile(p().status);
    expect(stored.generations.map((g) => g.name).sort(), `${when}: status.json`).toEqual(disk);
    const published = readStatusFile(join(lab.onsite.statusDir, 'offsite.json'));
    expect(published.generations.map((g) => g.name).sort(), `${when}: published status`).toEqual(disk);
    const meta = JSON.parse(readFileSync(p().generationsMeta, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(meta).sort(), `${when}: generations.json`).toEqual(disk);
    expect(existsSync(p().trash) ? readdirSync(p().trash) : [], `${when}: trash/`).toEqual([]);
    expect(readdirSync(p().staging), `${when}: staging/`).toEqual([]);
  };

  /** One crash and what must hold after it; the next run succeeds and leaves a consistent store. */
  const crashAndRecover = async (
    label: string,
    crashAt?: string,
    o: { killAfterMs?: number; ifChanged?: boolean } = {},
  ) => {
    await backup();
    const before = listGenerations(p());
    const killed = await cliSync(crashAt, o);
    if (crashAt) expect(killed.signal, `${label}: the run reached ${crashAt}; ${killed.err}`).toBe('SIGKILL');
    // No rsync, ssh or restic of the killed run is left (parent-death signal), once the kernel has delivered it.
    await waitUntil(() => runProcesses().length === 0, 15_000, `${label}: the run's children to end`).catch(
      () => {
        throw new Error(`${label}: left over: ${runProcesses().join(' | ')}`);
      },
    );
    await expectGenerationsVerify(`${label}, after the kill`);
    await expectStatusListsDisk(`${label}, after the kill`);
    // A generation on disk is one that was there before the run or the one it promoted (newer than all).
    for (const g of listGenerations(p()))
      expect(before.includes(g) || g > before.at(-1)!, `${label}: ${g} on disk`).toBe(true);

    const next = await cliSync();
    expect(next.code, `${label}: the next run; ${next.err}`).toBe(0);
    expect(runProcesses()).toEqual([]);
    await expectGenerationsVerify(`${label}, after the next run`);
    await expectStatusListsDisk(`${label}, after the next run`);
    expectStoredStatusMatches(`${label}, after the next run`);
  };

  beforeAll(async () => {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run node scripts/build-node.mjs first`);
    lab = await startTwoPiLab({
      faultProxy: false,
      configure: (c) => void (c.offsite.retention = { keepLast: 2 }),
    });
    if (mode === 'push') target = await startPushTarget(lab);
    for (let i = 0; i < 2; i++) {
      await backup();
      const r = await cliSync();
      expect(r.code, r.err).toBe(0);
    }
  }, 120_000);
  afterAll(async () => {
    await target?.stop();
    await lab?.stop();
  });

  it(`at ${points.length} commit points and ${randomKills} random moments: every generation verifies, the status lists exactly the generations on disk, no child is left, the next run succeeds`, async () => {
    for (const [i, { at, ifChanged }] of points.entries())
      await crashAndRecover(
        `#${i} ${at}${ifChanged ? ' --if-changed' : ''}`,
        at,
        ifChanged ? { ifChanged } : {},
      );
    // Random moments, spread over a whole run (as long as one uncut run took).
    await backup();
    const t0 = performance.now();
    expect((await cliSync()).code).toBe(0);
    const runMs = performance.now() - t0;
    for (let i = 0; i < randomKills; i++)
      await crashAndRecover(`random #${i}`, undefined, { killAfterMs: Math.round(Math.random() * runMs) });
    expect(listGenerations(p()).length).toBe(2);
  }, 300_000);
});
