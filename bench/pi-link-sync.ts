// Issue 11: an incremental `restray-pi sync` over a WAN-like link against plain rsync over the same link, in the
// same run, alternating. The offsite side (the restray-pi bundle, or plain rsync with the same ssh options and
// pull key, whose forced command hands it to rrsync -ro) runs in the far namespace of a shaped link
// (bench/link/shaped-link.ts), the onsite side is the two-Pi lab's sshd on this side. restray-pi's figure is its
// whole run: listing, transfer, verification, guard, promotion with durable writes, retention and publishing the
// status (also over the link).
//
//   npx tsx bench/pi-link-sync.ts   # BENCH_PI_LINK_MB (100) base, BENCH_PI_LINK_NEW_MB (10) per round, BENCH_PI_LINK_ROUNDS (5)
import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { rsyncRsh } from '../pi/src/link/ssh.js';
import { startTwoPiLab, writeRandomFiles } from '../test/pi/lab-two-pi.js';
import { median } from './lib.js';
import { WAN, startShapedLink } from './link/shaped-link.js';
import { measurePi, type Cost } from './pi-cost.js';

const run = promisify(execFile);
const MB = 2 ** 20;

export interface PiLinkResults {
  profile: string;
  baseMb: number;
  newMb: number;
  restrayPi: Cost[];
  plainRsync: number[];
  /** user+sys of rsync and its ssh. */
  plainRsyncCpu: number[];
  ratio: number;
  load: string[];
  linkStats: { sent: number[]; lost: number[]; queueDrops: number[] };
}

const loadNow = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

export async function measurePiLinkSync(
  baseMb = Number(process.env.BENCH_PI_LINK_MB ?? 100),
  newMb = Number(process.env.BENCH_PI_LINK_NEW_MB ?? 10),
  rounds = Number(process.env.BENCH_PI_LINK_ROUNDS ?? 5),
): Promise<PiLinkResults> {
  const link = await startShapedLink();
  const lab = await startTwoPiLab({
    faultProxy: false,
    sshdConfig: [`ListenAddress ${link.serverAddress}`],
    configure: (c) => {
      c.offsite.retention = { keepLast: 50 };
      // The healthchecks ping would go to the lab's receiver on this side's loopback, out of the namespace's reach.
      c.alerts.healthchecks = false;
    },
  });
  try {
    const backup = async (name: string, mb: number) => {
      const n = Math.max(1, Math.round(mb / 8));
      writeRandomFiles(join(lab.dir, name), n, Math.round((mb * MB) / n));
      await lab.restic(['backup', '--host', 'bench', join(lab.dir, name)]);
    };
    await backup('base', baseMb);
    // The first copy on this side's loopback (unshaped): only the increments cross the link.
    const first = await lab.sync();
    if (first.result !== 'ok') throw new Error(`first sync: ${JSON.stringify(first.run?.error)}`);
    const sshd = lab.onsite.sshd;
    appendFileSync(lab.offsite.knownHosts, `${sshd.knownHostsLine(link.serverAddress, sshd.port)}\n`);
    const plainDir = join(lab.dir, 'plain');
    mkdirSync(plainDir);
    const plainRsync = async (host: string, wrap: boolean) => {
      const off = lab.offsite.config.offsite!;
      const src = { ...off.source!, host };
      const args = [
        '-a',
        '--exclude=/locks/',
        '-e',
        rsyncRsh(src, off.ssh),
        `${src.user}@${host}:`,
        `${plainDir}/`,
      ];
      const timeFile = join(lab.dir, 'rsync-time.txt');
      const timedArgs = ['-f', '%U %S', '-o', timeFile, 'rsync', ...args];
      const [cmd, argv] = wrap ? link.inNamespace('/usr/bin/time', timedArgs) : ['/usr/bin/time', timedArgs];
      await run(cmd, argv, { maxBuffer: 64 * MB });
      const [u, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
      return u! + sys!;
    };
    await plainRsync('127.0.0.1', false);
    lab.reconfigure((c) => {
      c.offsite.source.host = link.serverAddress;
      c.offsite.publish.host = link.serverAddress;
    });
    await link.set(WAN);
    const work = join(lab.dir, 'bench');
    mkdirSync(work);
    const restrayPi: Cost[] = [];
    const plain: number[] = [];
    const plainCpu: number[] = [];
    const load: string[] = [];
    for (let i = 0; i < rounds; i++) {
      await backup(`inc${i}`, newMb);
      load.push(loadNow());
      const ours = async () => {
        await run('sync');
        restrayPi.push(
          await measurePi(work, ['sync', '--config', lab.offsite.configPath], { wrap: link.inNamespace }),
        );
      };
      const theirs = async () => {
        await run('sync');
        const t = performance.now();
        plainCpu.push(await plainRsync(link.serverAddress, true));
        plain.push((performance.now() - t) / 1000);
      };
      for (const f of i % 2 === 0 ? [ours, theirs] : [theirs, ours]) await f();
      process.stderr.write(`pi-link-sync: round ${i + 1}/${rounds} done\n`);
    }
    return {
      profile: WAN.name,
      baseMb,
      newMb,
      restrayPi,
      plainRsync: plain.map((x) => +x.toFixed(2)),
      plainRsyncCpu: plainCpu.map((x) => +x.toFixed(2)),
      ratio: +(median(restrayPi.map((c) => c.wallS)) / median(plain)).toFixed(3),
      load,
      linkStats: await link.stats(),
    };
  } finally {
    await lab.stop();
    await link.stop();
  }
}

export function piLinkSyncSection(r: PiLinkResults): string {
  const ours = median(r.restrayPi.map((c) => c.wallS));
  return [
    `### restray-pi incremental sync over a ${r.profile} link vs plain rsync (${r.baseMb} MB repository, ${r.newMb} MB new per round, medians of ${r.restrayPi.length} alternating rounds)`,
    '',
    "The offsite side in a network namespace behind the user-space netem stand-in (bench/link/tun-shaper.c; 20 ms each way, loss 0.1 % each direction); the restray-pi bundle's whole run (listing, transfer, verification, guard, promotion, retention, status publish over the same link) against `rsync -a --exclude=/locks/` with the same ssh options and pull key.",
    '',
    '| measure | result | target |',
    '|---|---|---|',
    `| wall | ${ours.toFixed(2)} s vs plain rsync ${median(r.plainRsync).toFixed(2)} s: ×${r.ratio} | ≤ 1.02 × rsync (${r.ratio <= 1.02 ? 'met' : 'NOT met'}) |`,
    `| CPU of restray-pi + children (median) | ${median(r.restrayPi.map((c) => c.cpuS)).toFixed(2)} s (own ${median(r.restrayPi.map((c) => c.ownCpuS)).toFixed(2)} s) vs plain rsync + ssh ${median(r.plainRsyncCpu).toFixed(2)} s | |`,
    `| peak RSS of restray-pi (max) | ${Math.max(...r.restrayPi.map((c) => c.rssMiB))} MiB | |`,
    '',
    `Per round (s): restray-pi ${r.restrayPi.map((c) => c.wallS).join(', ')}; plain rsync ${r.plainRsync.join(', ')}. Load (1/5/15 min) at each round: ${r.load.join('; ')}. Link packets (far→here / here→far): sent ${r.linkStats.sent.join(' / ')}, lost ${r.linkStats.lost.join(' / ')}, queue drops ${r.linkStats.queueDrops.join(' / ')}.`,
  ].join('\n');
}

export async function benchPiLinkSync(): Promise<string> {
  const r = await measurePiLinkSync();
  writeFileSync(join(import.meta.dirname, 'pi-link-sync-results.json'), JSON.stringify(r, null, 2) + '\n');
  return piLinkSyncSection(r);
}

if (process.argv[1] && /bench\/pi-link-sync\.ts$/.test(process.argv[1])) {
  process.stdout.write(`${await benchPiLinkSync()}\n`);
}
