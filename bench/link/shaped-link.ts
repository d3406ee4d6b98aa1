// A shaped link between this machine's network namespace ("the Pi": sshd listens on serverAddress) and a fresh
// network namespace ("the other side": run commands there with inNamespace()). netem is the usual tool, but the
// kernel here has no sch_netem, so tun-shaper.c does netem's job in user space on a pair of TUN devices: rate,
// one-way delay, random loss and a tail-drop queue, in both directions. Needs root.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A link as netem would be told: rate per direction, round-trip time (half each way), loss per direction. */
export interface LinkProfile {
  name: string;
  rateMbit: number;
  rttMs: number;
  lossPercent: number;
  /** Packet size on the link (default 1500). */
  mtu?: number;
}

// 9000-byte packets on the LAN: at 1 Gbit/s with 1500 the user-space shaper (one core, shared) would be the
// bottleneck (~150 Mbit/s measured here); with 9000 it forwards six times fewer packets.
export const LAN: LinkProfile = {
  name: 'LAN-like (1 Gbit/s, 1 ms)',
  rateMbit: 1000,
  rttMs: 1,
  lossPercent: 0,
  mtu: 9000,
};
export const WIFI: LinkProfile = {
  name: 'Wi-Fi-like (100 Mbit/s, 5 ms, 0.1 % loss)',
  rateMbit: 100,
  rttMs: 5,
  lossPercent: 0.1,
};
export const WAN: LinkProfile = {
  name: 'WAN-like (20 Mbit/s, 40 ms, 0.1 % loss)',
  rateMbit: 20,
  rttMs: 40,
  lossPercent: 0.1,
};

export interface ShapedLink {
  /** The namespace of the far side. */
  ns: string;
  /** This side's address (bind servers here: sshd `ListenAddress`). */
  serverAddress: string;
  /** The far side's address. */
  clientAddress: string;
  /** Applies a profile to both directions (queued packets keep their old timing). */
  set(p: LinkProfile): Promise<void>;
  /** `cmd args` as run inside the namespace (for execFile/spawn). */
  inNamespace(cmd: string, args: string[]): [string, string[]];
  /** Packets delivered and dropped so far, per direction (0: far side → here, 1: here → far side). */
  stats(): Promise<{ sent: number[]; lost: number[]; queueDrops: number[] }>;
  stop(): Promise<void>;
}

/**
 * Builds tun-shaper (gcc), starts it, moves one TUN device into a new namespace and addresses both ends as a
 * point-to-point link 10.77.X.1 (here) ↔ 10.77.X.2 (namespace). Starts unshaped until set() is called.
 * Side effects: a network namespace and two interfaces, removed by stop().
 */
export async function startShapedLink(): Promise<ShapedLink> {
  const id = randomBytes(3).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'restray-link-'));
  const bin = join(dir, 'tun-shaper');
  await run('gcc', ['-O2', '-o', bin, join(import.meta.dirname, 'tun-shaper.c')]);
  const ns = `rtb-${id}`;
  const here = `rtbh${id}`;
  const far = `rtbf${id}`;
  const net = `10.77.${parseInt(id.slice(0, 2), 16)}`;
  const serverAddress = `${net}.1`;
  const clientAddress = `${net}.2`;
  // Device 0 is the far side's: packets the far side sends are read from it (direction 0) and written to here.
  const child: ChildProcess = spawn(bin, [far, here], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((l: string) => void)[] = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  const next = () => new Promise<string>((resolve) => waiting.push(resolve));
  const ready = await next();
  if (ready !== 'ready') throw new Error(`tun-shaper: ${ready}`);
  const ip = (args: string[]) => run('ip', args);
  try {
    await ip(['netns', 'add', ns]);
    await ip(['link', 'set', far, 'netns', ns]);
    await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    await ip(['-n', ns, 'addr', 'add', clientAddress, 'peer', serverAddress, 'dev', far]);
    await ip(['-n', ns, 'link', 'set', far, 'mtu', '1500', 'up']);
    await ip(['addr', 'add', serverAddress, 'peer', clientAddress, 'dev', here]);
    await ip(['link', 'set', here, 'mtu', '1500', 'up']);
  } catch (e) {
    child.kill();
    await ip(['netns', 'del', ns]).catch(() => undefined);
    throw e;
  }
  const command = async (line: string) => {
    const answer = next();
    child.stdin!.write(`${line}\n`);
    return answer;
  };
  return {
    ns,
    serverAddress,
    clientAddress,
    async set(p) {
      // netem's default queue is 1000 packets; keep at least a bandwidth-delay product of full packets.
      const bdp = Math.ceil((p.rateMbit * 1e6 * (p.rttMs / 1000)) / (1500 * 8));
      const limit = Math.max(1000, 2 * bdp);
      const mtu = String(p.mtu ?? 1500);
      await ip(['-n', ns, 'link', 'set', far, 'mtu', mtu]);
      await ip(['link', 'set', here, 'mtu', mtu]);
      await command(
        `${Math.round(p.rateMbit * 1e6)} ${Math.round((p.rttMs * 1000) / 2)} ${Math.round(p.lossPercent * 1e4)} ${limit}`,
      );
    },
    inNamespace: (cmd, args) => ['ip', ['netns', 'exec', ns, cmd, ...args]],
    async stats() {
      const [, ...n] = (await command('stats')).split(' ').map(Number);
      return { sent: [n[0]!, n[1]!], lost: [n[2]!, n[3]!], queueDrops: [n[4]!, n[5]!] };
    },
    async stop() {
      child.stdin!.end();
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      await ip(['netns', 'del', ns]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
