import { execa, type ResultPromise } from 'execa';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { userLikeDir } from '../lab/user-like-dir.js';

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
