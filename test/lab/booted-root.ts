import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { shellQuote } from '../../core/engine/recovery-sheet.js';
import type { DebianRoot, RootResult } from './debian-root.js';

// systemd as PID 1 of a separate Debian root, never of this machine's: its boot-time cleanup
// (systemd-tmpfiles --boot) would empty the host's /tmp. The recipe is the one in restic-facts.md ("Booting
// systemd in a separate root"); systemd-nspawn fails on these machines ("Failed to open system bus").

/** A Debian root with systemd running as PID 1 of its own PID, mount, UTS and IPC namespaces. */
export interface BootedRoot {
  /** systemd's PID as the host sees it. */
  pid: number;
  /** Runs `sh -c script` as root inside the booted root (its namespaces, its root); never rejects. */
  run(script: string, opts?: { input?: string }): Promise<RootResult>;
  /** Like run, but throws (with the command's output) unless it exits 0. */
  must(script: string, opts?: { input?: string }): Promise<string>;
  /**
   * Runs `sh -c script` in the mount namespace and root of process `pid` of the booted root (a service's
   * sandbox as the service sees it). The root matters: a bare setns lands on the namespace's /, the host's.
   */
  runIn(pid: number, script: string): Promise<RootResult>;
  /** What systemd and the boot script printed (the mounts made; systemd's own console output is mostly lost). */
  log(): string;
  /**
   * A power cut: SIGKILL to the namespace (the kernel kills every process in it, nothing shuts down cleanly),
   * then waits until every process is gone and removes the boot's cgroup. What the root wrote stays in its
   * upper layer, so {@link bootDebianRoot} can boot it again.
   */
  kill(): Promise<void>;
}

/** Refuses to boot anything but a fresh, unmounted overlay made by createDebianRoot under the temp folder. */
function checkSeparateRoot(root: DebianRoot): string {
  const merged = realpathSync(root.layers.merged);
  const ok =
    merged !== '/' &&
    dirname(merged).startsWith(join(realpathSync(tmpdir()), 'restray-debroot-')) &&
    readdirSync(merged).length === 0 &&
    existsSync(join(root.layers.lower, 'lib', 'systemd', 'systemd'));
  if (!ok)
    throw new Error(`bootDebianRoot: ${merged} is not an unmounted Debian root made by createDebianRoot`);
  return merged;
}

/**
 * The boot script, run by unshare in the new namespaces. Every mount target is under "$R", which must be the
 * overlay just mounted (not the host's root); it prints the namespace's mounts under "$R" and stops before
 * systemd unless tmp, run and dev are tmpfs of their own there.
 */
function bootScript(root: DebianRoot, merged: string, cgroup: string): string {
  const { lower, upper, work } = root.layers;
  return `set -eu
R=${merged}
mount -t overlay overlay -o lowerdir=${lower},upperdir=${upper},workdir=${work} "$R"
mountpoint -q "$R"
[ "$(stat -c %d:%i "$R")" != "$(stat -c %d:%i /)" ]
mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
# systemd-sysctl and PID 1 write sysctls: read-only here, or they would reach the host's kernel.
mount --bind "$R/proc/sys" "$R/proc/sys"
mount -o remount,bind,ro "$R/proc/sys"
mount --bind /sys "$R/sys"
mount -o remount,bind,ro "$R/sys"
mount -t tmpfs -o mode=755,nosuid,nodev,noexec tmpfs "$R/sys/fs/cgroup"
mkdir "$R/sys/fs/cgroup/systemd"
mount -t cgroup -o none,name=systemd cgroup "$R/sys/fs/cgroup/systemd" ||
  { echo "booting a root needs cgroup v1 in the kernel (a name=systemd hierarchy; also on cgroup-v2 hosts)" >&2; exit 1; }
mkdir "$R/sys/fs/cgroup/systemd/${cgroup}"
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs "$R/run"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/tmp"
mount -t tmpfs -o mode=755,nosuid tmpfs "$R/dev"
for d in null zero random urandom tty full; do
  touch "$R/dev/$d"
  mount --bind "/dev/$d" "$R/dev/$d"
done
mkdir -m 1777 "$R/dev/shm"
mkdir "$R/dev/pts"
ln -s /proc/self/fd "$R/dev/fd"
ln -s /proc/self/fd/0 "$R/dev/stdin"
ln -s /proc/self/fd/1 "$R/dev/stdout"
ln -s /proc/self/fd/2 "$R/dev/stderr"
# systemd in a container leaves propagation to its manager; without shared mounts the credentials it sets up
# for a service in a child namespace (LoadCredential=) never reach the service. Private to this namespace:
# the host's mounts were made private to it first (unshare --propagation private).
mount --make-rshared "$R"
echo "mounts of the booted root:"
awk -v r="$R" '$5 == r || index($5, r "/") == 1 { print $5, $9 }' /proc/self/mountinfo
for d in tmp run dev; do
  [ "$(awk -v p="$R/$d" '$5 == p { t = $9 } END { print t }' /proc/self/mountinfo)" = tmpfs ] ||
    { echo "refusing to boot: $R/$d is not a tmpfs of its own" >&2; exit 1; }
done
# systemd's cgroups go below this boot's own cgroup, never the hierarchy's root.
echo $$ > "$R/sys/fs/cgroup/systemd/${cgroup}/cgroup.procs"
exec chroot "$R" /usr/bin/env -i container=restray-test PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \\
  /lib/systemd/systemd --system --show-status=false
`;
}

/** Resolves when `pred` holds, polling every 100 ms; throws `what` after `ms`. */
async function until<T>(
  pred: () => T | undefined | Promise<T | undefined>,
  ms: number,
  what: () => string,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(what());
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Boots systemd in `root` (made by createDebianRoot; its overlay must not be in use by a `run`): unshare
 * `--pid --fork --kill-child --mount --uts --ipc` with private propagation, the overlay mounted in that
 * namespace only, proc (proc/sys read-only), sys read-only, a tmpfs cgroup folder with a `name=systemd` v1
 * mount, tmpfs run, tmp and dev (with the host's null, zero, random, urandom, tty and full bound in), then
 * `chroot ROOT env container=restray-test /lib/systemd/systemd --system`. The network namespace is the
 * host's (services inside reach the lab's sshd on 127.0.0.1). Nothing writable from the host is bound in.
 * Resolves when `systemctl is-system-running --wait` answers (running or degraded) within `timeoutMs`;
 * throws with the boot log otherwise, after killing what it started. Needs root, unshare, nsenter and cgroup
 * v1 in the kernel (the named `name=systemd` hierarchy is mounted inside; the host may use cgroup v2).
 */
export async function bootDebianRoot(
  root: DebianRoot,
  opts: { timeoutMs?: number } = {},
): Promise<BootedRoot> {
  const merged = checkSeparateRoot(root);
  const cgroup = `restray-boot-${randomBytes(4).toString('hex')}`;
  const logPath = join(dirname(merged), 'boot.log');
  const logFd = openSync(logPath, 'a');
  const child: ChildProcess = spawn(
    'unshare',
    [
      '--pid',
      '--fork',
      '--kill-child',
      '--mount',
      '--uts',
      '--ipc',
      '--propagation',
      'private',
      'sh',
      '-c',
      bootScript(root, merged, cgroup),
    ],
    { stdio: ['ignore', logFd, logFd] },
  );
  closeSync(logFd);
  let exited = false;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const log = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  let pid = 0;

  const nsenter = (script: string, input?: string) =>
    execa(
      'nsenter',
      [
        `--target=${pid}`,
        '--mount',
        '--uts',
        '--ipc',
        '--pid',
        '--root',
        '--wd',
        '--',
        '/usr/bin/env',
        '-i',
        'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
        'HOME=/root',
        'LANG=C.UTF-8',
        'SYSTEMD_PAGER=',
        'SYSTEMD_COLORS=0',
        '/bin/sh',
        '-c',
        script,
      ],
      { reject: false, ...(input === undefined ? { stdin: 'ignore' as const } : { input }) },
    );
  const run: BootedRoot['run'] = async (script, o = {}) => {
    const r = await nsenter(script, o.input);
    return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  const must: BootedRoot['must'] = async (script, o) => {
    const r = await run(script, o);
    if (r.code !== 0)
      throw new Error(
        `in the booted root, exit ${r.code}: ${script}\n${r.stdout}\n${r.stderr}`.slice(0, 8000),
      );
    return r.stdout;
  };
  const runIn: BootedRoot['runIn'] = (inner, script) =>
    run(`exec nsenter --target=${inner} --mount --root --wd -- /bin/sh -c ${shellQuote(script)}`);
  const kill: BootedRoot['kill'] = async () => {
    if (!exited) child.kill('SIGKILL');
    await gone;
    // The kernel kills the namespace's processes when its PID 1 dies; their cgroup can go once it is empty
    // (rmdir fails while a process is left). The hierarchy is mounted for that in a namespace of its own.
    const removeCgroup = `d=$(mktemp -d) && mount -t cgroup -o none,name=systemd cgroup "$d" || exit 1
      [ ! -d "$d/${cgroup}" ] || find "$d/${cgroup}" -depth -type d -exec rmdir {} + ; r=$?
      umount "$d"; rmdir "$d"; exit $r`;
    await until(
      async () => {
        const r = await execa('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', removeCgroup], {
          reject: false,
        });
        return r.exitCode === 0 ? true : undefined;
      },
      60_000,
      () => `processes of the booted root are still alive in its cgroup ${cgroup}`,
    );
  };

  try {
    // unshare's child is PID 1 of the new namespace: the boot script, then (after exec) systemd.
    const shPid = child.pid!;
    pid = await until(
      () => {
        if (exited) throw new Error(`the boot script ended:\n${log()}`);
        const f = `/proc/${shPid}/task/${shPid}/children`;
        const kid = existsSync(f) ? readFileSync(f, 'utf8').trim().split(/\s+/)[0] : '';
        if (!kid) return undefined;
        const comm = readFileSync(`/proc/${kid}/comm`, 'utf8').trim();
        return comm === 'systemd' ? Number(kid) : undefined;
      },
      30_000,
      () => `systemd did not start in the root:\n${log()}`,
    );
    const timeoutMs = opts.timeoutMs ?? 120_000;
    await until(
      async () => {
        if (exited) throw new Error(`systemd ended during boot:\n${log()}`);
        const r = await run(`timeout 10 systemctl is-system-running --wait`);
        return /^(running|degraded)$/m.test(r.stdout) ? true : undefined;
      },
      timeoutMs,
      () => `the booted root did not finish booting within ${timeoutMs} ms:\n${log()}`,
    );
  } catch (e) {
    await kill().catch(() => undefined);
    throw e;
  }
  return { pid, run, must, runIn, log, kill };
}
