import { execa, type ResultPromise } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { userLikeDir } from '../lab/user-like-dir.js';
import { writeTree } from '../restic/restic-lab.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'restray.mjs');
const bundle = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'restray.cjs');

/** One workstation: its own RESTRAY_HOME, sharing the lab's real gnome-keyring session. */
export interface Workstation {
  home: string;
  env: Record<string, string>;
  /** Runs `restray …` as a separate process (the real bundled CLI); never rejects. */
  run(
    args: string[],
    opts?: { input?: string; env?: Record<string, string> },
  ): ResultPromise<{ reject: false; all: false }>;
}

/** A fresh RESTRAY_HOME. Throws if the CLI bundle is missing (run `npm run build`). */
export function workstation(): Workstation {
  if (!existsSync(bundle))
    throw new Error(`${bundle} is missing: run \`npm run build\` before the scenario tests`);
  const home = userLikeDir('restray-ws-');
  const env = { ...inject('keyringEnv'), RESTRAY_HOME: home, LANG: 'C.UTF-8' };
  return {
    home,
    env,
    run: (args, opts = {}) =>
      execa(process.execPath, [bin, ...args], {
        env: { ...env, ...opts.env },
        input: opts.input ?? '',
        reject: false,
        all: false,
        timeout: 170_000,
      }) as ResultPromise<{ reject: false; all: false }>,
  };
}

/** Every file below `dir` (recursively) with its content, for "the password is nowhere on disk" checks. */
export function filesBelow(dir: string): { path: string; content: Buffer }[] {
  const out: { path: string; content: Buffer }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out.push({ path: p, content: readFileSync(p) });
    }
  };
  walk(dir);
  return out;
}

/** Polls `cond` until it holds or the deadline passes (no fixed sleeps in tests). */
export async function waitFor<T>(
  cond: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A local repository `usb` (created with `repo add --init`, the password on stdin) outside the home, and a plan
 * `home` over a fresh folder holding `files` (see writeTree), with `planArgs` added to `plan add`. Throws with
 * the CLI's stderr when a step fails.
 */
export async function localPlan(
  ws: Workstation,
  o: { password: string; files: Record<string, string | number>; planArgs?: string[] },
): Promise<{ src: string; repo: string }> {
  const src = mkdtempSync(join(tmpdir(), 'restray-src-'));
  writeTree(src, o.files);
  const repo = join(mkdtempSync(join(tmpdir(), 'restray-repo-')), 'repo');
  const add = await ws.run(['repo', 'add', 'usb', '--url', repo, '--init'], { input: `${o.password}\n` });
  if (add.exitCode !== 0) throw new Error(`repo add failed (${add.exitCode}): ${add.stderr}`);
  const plan = await ws.run(['plan', 'add', 'home', '--repo', 'usb', '--path', src, ...(o.planArgs ?? [])]);
  if (plan.exitCode !== 0) throw new Error(`plan add failed (${plan.exitCode}): ${plan.stderr}`);
  return { src, repo };
}
