import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { shellQuote } from '../../core/engine/recovery-sheet.js';

/**
 * Where the debootstrapped Debian 12 root (and the .deb files apt fetched for it) are kept between runs; it
 * survives the lab's temporary folders, so only the first run on a machine pays the ~1–2 minutes of debootstrap.
 */
export const DEBIAN_ROOT_CACHE = process.env.RESTRAY_TEST_CACHE ?? '/var/cache/restray-test';

/** Changing the recipe below (packages, sources) must give a new cached root, not reuse the old one. */
const RECIPE = 'bookworm-minbase-systemd-1';

/** Result of one command in the root. */
export interface RootResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A throwaway Debian 12 root: the cached debootstrap as the read-only lower layer of an overlay, this root's
 * changes in its own upper layer. Commands run as root in a chroot inside a private mount namespace (the
 * overlay, /proc and the apt archive cache are mounted there and vanish with the command), so nothing is ever
 * mounted on the host. Never boots systemd and never starts daemons (policy-rc.d refuses them).
 */
export interface DebianRoot {
  /** The upper layer: what this root changed. */
  upper: string;
  /**
   * The overlay's parts, for a caller that mounts it itself (booted-root.ts boots systemd in it): the cached
   * root (read-only lower layer), upper, work and the empty folder it is mounted on. Mount it only while no
   * `run` is under way.
   */
  layers: { lower: string; upper: string; work: string; merged: string };
  /** Runs `sh -c script` as root inside the chroot (environment: PATH, HOME, LANG and `env`); never rejects. */
  run(
    script: string,
    opts?: { env?: Record<string, string>; input?: string | Uint8Array },
  ): Promise<RootResult>;
  /** Like run, but throws (with the command's output) unless it exits 0. */
  must(script: string, opts?: { env?: Record<string, string>; input?: string | Uint8Array }): Promise<string>;
  /** Copies a host file into the root (mode 0644, root-owned; missing folders are made). */
  copyIn(hostPath: string, pathInRoot: string): Promise<void>;
  /** Removes the upper layer. */
  remove(): void;
}

/**
 * Returns the cached Debian 12 root, making it first when missing: `debootstrap --variant=minbase` with
 * systemd, systemd-sysv and dbus (so the units can be checked, and a later test can boot it), Debian's updates
 * and security suites added to its sources (Debian 12's rsync 3.5 comes from there), apt lists fetched, and a
 * policy-rc.d that stops package scripts from starting daemons. Serialised with flock, so parallel test files
 * wait for one debootstrap. Needs root, debootstrap and the Debian archive. Throws with debootstrap's output.
 */
export async function ensureDebianRootCache(): Promise<string> {
  const root = join(DEBIAN_ROOT_CACHE, RECIPE);
  if (existsSync(join(root, '.restray-ready'))) return root;
  mkdirSync(DEBIAN_ROOT_CACHE, { recursive: true });
  // debootstrap's default mirror; the other suites are derived from the line it wrote.
  const script = `set -e
r=${root}
[ -f "$r/.restray-ready" ] && exit 0
rm -rf "$r.tmp"
debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus bookworm "$r.tmp"
mirror=$(awk '$1 == "deb" { print $2; exit }' "$r.tmp/etc/apt/sources.list")
printf 'deb %s bookworm main\\ndeb %s bookworm-updates main\\ndeb %s-security bookworm-security main\\n' \\
  "$mirror" "$mirror" "$mirror" > "$r.tmp/etc/apt/sources.list"
printf '#!/bin/sh\\n# package tests: no daemon starts in this root\\nexit 101\\n' > "$r.tmp/usr/sbin/policy-rc.d"
chmod 755 "$r.tmp/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$r.tmp/etc/resolv.conf"
chroot "$r.tmp" apt-get update
chroot "$r.tmp" apt-get clean
touch "$r.tmp/.restray-ready"
mv "$r.tmp" "$r"
`;
  const r = await execa('flock', [join(DEBIAN_ROOT_CACHE, '.lock'), 'sh', '-c', script], {
    reject: false,
    all: true,
  });
  if (r.exitCode !== 0 || !existsSync(join(root, '.restray-ready')))
    throw new Error(
      `debootstrap of the Debian 12 test root failed (exit ${r.exitCode}):\n${r.all.slice(-4000)}`,
    );
  return root;
}

/** A new {@link DebianRoot} over the cached root (made first if needed, see {@link ensureDebianRootCache}). */
export async function createDebianRoot(): Promise<DebianRoot> {
  const lower = await ensureDebianRootCache();
  const dir = mkdtempSync(join(tmpdir(), 'restray-debroot-'));
  const upper = join(dir, 'upper');
  const work = join(dir, 'work');
  const merged = join(dir, 'root');
  const archives = join(DEBIAN_ROOT_CACHE, 'apt-archives');
  for (const d of [upper, work, merged, join(archives, 'partial')]) mkdirSync(d, { recursive: true });
  // The mounts live in this command's own mount namespace only; `$1` is the caller's script.
  const enter = `set -e
mount -t overlay overlay -o lowerdir=${lower},upperdir=${upper},workdir=${work} ${merged}
mount -t proc proc ${merged}/proc
mount --bind ${archives} ${merged}/var/cache/apt/archives
cp /etc/resolv.conf ${merged}/etc/resolv.conf
exec chroot ${merged} /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \\
  DEBIAN_FRONTEND=noninteractive "$@"`;
  const run: DebianRoot['run'] = async (script, opts = {}) => {
    const env = Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`);
    const r = await execa(
      'unshare',
      ['--mount', '--propagation', 'private', 'sh', '-c', enter, 'enter', ...env, '/bin/sh', '-c', script],
      { reject: false, ...(opts.input === undefined ? {} : { input: opts.input }) },
    );
    return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  const must: DebianRoot['must'] = async (script, opts) => {
    const r = await run(script, opts);
    if (r.code !== 0)
      throw new Error(
        `in the Debian root, exit ${r.code}: ${script}\n${r.stdout}\n${r.stderr}`.slice(0, 8000),
      );
    return r.stdout;
  };
  return {
    upper,
    layers: { lower, upper, work, merged },
    run,
    must,
    async copyIn(hostPath, pathInRoot) {
      const q = shellQuote(pathInRoot);
      await must(`mkdir -p ${shellQuote(dirname(pathInRoot))} && cat > ${q} && chmod 0644 ${q}`, {
        input: readFileSync(hostPath),
      });
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
