import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ResticContext } from '../../core/restic/index.js';

/** The real restic on this machine (Debian's 0.14.0 here); override with RESTRAY_TEST_RESTIC. */
export const resticBinary: string =
  process.env.RESTRAY_TEST_RESTIC ??
  execFileSync('sh', ['-c', 'command -v restic'], { encoding: 'utf8' }).trim();

/** A scratch folder for one test file, removed by `cleanup`. World-traversable so a lower uid can reach it. */
export function scratch(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `restray-${prefix}-`));
  chmodSync(dir, 0o755);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A context for a local repository at `repo` with its own cache folder. */
export function localContext(repo: string, password: string, binary = resticBinary): ResticContext {
  return { binary, repoArgs: ['-r', repo], password, env: { RESTIC_CACHE_DIR: `${repo}.cache` } };
}

/** Writes files given as relative path → content (string or byte count of random data). */
export function writeTree(root: string, files: Record<string, string | number>): void {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    if (typeof content === 'string') writeFileSync(path, content);
    else writeRandomFile(path, content);
  }
}

/** Incompressible data in 1 MiB chunks, so memory stays flat for large files. */
export function writeRandomFile(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  try {
    for (let left = bytes; left > 0; left -= 1 << 20) writeSync(fd, randomBytes(Math.min(left, 1 << 20)));
  } finally {
    closeSync(fd);
  }
}

/** Everything in a local repository's locks/ folder, including half-written `<id>-tmp-…` files. */
export function lockDirEntries(repo: string): string[] {
  try {
    return readdirSync(join(repo, 'locks'));
  } catch {
    return [];
  }
}

/**
 * The locks restic sees: files named by a 64-hex ID. The local backend writes `<id>-tmp-<n>` and renames it,
 * and restic ignores other names, so a lock caught before the rename does not count.
 */
export function lockFiles(repo: string): string[] {
  return lockDirEntries(repo).filter((n) => /^[0-9a-f]{64}$/.test(n));
}

/** Polls `cond` until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Every regular file below `root` as relative path → SHA-256 of its bytes (deep-equal on MiB buffers is slow). */
export function treeDigest(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(join(dir, e.name), r);
      else if (e.isFile())
        out.set(
          r,
          createHash('sha256')
            .update(readFileSync(join(dir, e.name)))
            .digest('hex'),
        );
    }
  };
  walk(root, '');
  return out;
}
