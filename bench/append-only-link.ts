// Issue 13: the recommended append-only profile (restic through `rclone serve restic --stdio --append-only` as the
// key's forced command, over ssh, with the arguments the workstation uses: core/ssh/repo-args.ts) against plain
// restic over sftp to the same sshd, on a LAN-like and a Wi-Fi-like link (bench/link/shaped-link.ts). restic runs
// in the link's far namespace ("the workstation"), sshd on this side ("the onsite Pi", the two-Pi lab's real
// provisioned accounts). Each round makes a fresh repository of each kind, backs the bench tree up into both
// (first backup), changes 1 % of the files, and backs up again (incremental); the kinds alternate which goes first.
//
//   npx tsx bench/append-only-link.ts     # BENCH_LINK_FILES (5000), BENCH_LINK_BYTES (100 MiB), BENCH_LINK_ROUNDS (3)
import { execFile } from 'node:child_process';
import { appendFileSync, chownSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resticRepoArgs } from '../core/ssh/repo-args.js';
import { addOwnRepository } from '../test/lab/lab-onsite-accounts.js';
import { generateKey } from '../test/lab/sshd.js';
import { startTwoPiLab } from '../test/pi/lab-two-pi.js';
import { generateTree } from './core-backup.js';
import { median, writeRandom } from './lib.js';
import { LAN, WIFI, startShapedLink } from './link/shaped-link.js';

const run = promisify(execFile);
const FILES = Number(process.env.BENCH_LINK_FILES ?? 5000);
const BYTES = Number(process.env.BENCH_LINK_BYTES ?? 100 * 2 ** 20);
const ROUNDS = Number(process.env.BENCH_LINK_ROUNDS ?? 3);

type Kind = 'append-only' | 'sftp';
interface ProfileResult {
  profile: string;
  first: Record<Kind, number[]>;
  incremental: Record<Kind, number[]>;
  load: string[];
}

const loadNow = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

export async function measureAppendOnlyLink(): Promise<{ results: ProfileResult[]; treeBytes: number }> {
  const link = await startShapedLink();
  const lab = await startTwoPiLab({ faultProxy: false, sshdConfig: [`ListenAddress ${link.serverAddress}`] });
  try {
    const sshd = lab.onsite.sshd;
    const knownHosts = join(lab.dir, 'link-known_hosts');
    writeFileSync(knownHosts, `${sshd.knownHostsLine(link.serverAddress, sshd.port)}\n`);
    const endpoint = { host: link.serverAddress, port: sshd.port, knownHosts };
    const profiles = [LAN, WIFI];
    // Fresh repositories for every round of every profile: append-only ones are provisioned (own folder, own key,
    // forced command), sftp ones are folders of the workstation account reached with a plain key.
    const count = profiles.length * ROUNDS;
    const appendOnly: string[][] = [];
    for (let i = 0; i < count; i++) {
      const own = await addOwnRepository(lab, `ao${i}`);
      if (own.repository.target.kind !== 'append-only') throw new Error('expected an append-only target');
      appendOnly.push(resticRepoArgs({ ...own.repository.target, ...endpoint }));
    }
    // Added after provisioning (which rewrites the file): the same account, a key without a forced command.
    const plain = await generateKey(join(lab.dir, 'keys'), 'plain-sftp');
    const ws = lab.onsite.users.workstation;
    appendFileSync(join(sshd.dir, 'authorized_keys', ws), `restrict ${plain.publicLine}\n`);
    const sftpRoot = join(lab.dir, 'sftp');
    mkdirSync(sftpRoot, { mode: 0o755 });
    const { uid, gid } = statSync(lab.onsite.repo);
    const sftp: string[][] = [];
    for (let i = 0; i < count; i++) {
      const path = join(sftpRoot, `repo${i}`);
      mkdirSync(path);
      chownSync(path, uid, gid);
      sftp.push(resticRepoArgs({ kind: 'sftp', user: ws, path, sshKey: plain.privatePath, ...endpoint }));
    }

    const src = join(lab.dir, 'tree');
    process.stderr.write(
      `append-only-link: generating ${FILES} files (${(BYTES / 2 ** 20).toFixed(0)} MiB)…\n`,
    );
    const paths = generateTree(src, FILES, BYTES);
    const treeBytes = paths.reduce((s, p) => s + statSync(p).size, 0);
    const restic = async (repoArgs: string[], cache: string, args: string[]) => {
      const [cmd, argv] = link.inNamespace('restic', [...repoArgs, ...args]);
      await run(cmd, argv, {
        env: { ...lab.workstation.env, RESTIC_CACHE_DIR: cache },
        maxBuffer: 256 * 2 ** 20,
      });
    };
    const timed = async (f: () => Promise<void>) => {
      const t = performance.now();
      await f();
      return (performance.now() - t) / 1000;
    };
    const results: ProfileResult[] = [];
    let repoIndex = 0;
    let changeRound = 0;
    for (const profile of profiles) {
      await link.set(profile);
      const r: ProfileResult = {
        profile: profile.name,
        first: { 'append-only': [], sftp: [] },
        incremental: { 'append-only': [], sftp: [] },
        load: [],
      };
      for (let i = 0; i < ROUNDS; i++, repoIndex++) {
        const repos: Record<Kind, string[]> = {
          'append-only': appendOnly[repoIndex]!,
          sftp: sftp[repoIndex]!,
        };
        const caches: Record<Kind, string> = {
          'append-only': join(lab.dir, `cache-ao-${repoIndex}`),
          sftp: join(lab.dir, `cache-sftp-${repoIndex}`),
        };
        const order: Kind[] = i % 2 === 0 ? ['append-only', 'sftp'] : ['sftp', 'append-only'];
        for (const k of order) await restic(repos[k], caches[k], ['init']);
        r.load.push(loadNow());
        for (const k of order)
          r.first[k].push(await timed(() => restic(repos[k], caches[k], ['backup', '--json', src])));
        // 1 % of the files change, as in the local benchmark (bench/core-backup.ts).
        for (let j = 0; j < paths.length; j += 100)
          writeRandom(paths[(j + changeRound * 13) % paths.length]!, 20_000);
        changeRound++;
        for (const k of order)
          r.incremental[k].push(await timed(() => restic(repos[k], caches[k], ['backup', '--json', src])));
        process.stderr.write(`append-only-link: ${profile.name} round ${i + 1}/${ROUNDS} done\n`);
      }
      results.push(r);
    }
    return { results, treeBytes };
  } finally {
    await lab.stop();
    await link.stop();
  }
}

export function appendOnlyLinkSection(m: { results: ProfileResult[]; treeBytes: number }): string {
  const mb = m.treeBytes / 2 ** 20;
  const rows: string[] = [];
  for (const r of m.results)
    for (const [what, xs] of [
      ['first backup', r.first],
      ['incremental (1 % of files changed)', r.incremental],
    ] as const) {
      const ao = median(xs['append-only']);
      const sf = median(xs.sftp);
      // Same bytes for both: the throughput ratio is the inverse of the time ratio.
      const ratio = sf / ao;
      rows.push(
        `| ${r.profile} | ${what} | ${ao.toFixed(2)} s (${(mb / ao).toFixed(1)} MiB/s) | ${sf.toFixed(2)} s (${(mb / sf).toFixed(1)} MiB/s) | ${ratio.toFixed(3)} | ${ratio >= 0.95 ? 'met' : 'NOT met'} | ${xs['append-only'].map((x) => x.toFixed(2)).join(', ')} / ${xs.sftp.map((x) => x.toFixed(2)).join(', ')} | ${r.load.join('; ')} |`,
      );
    }
  return [
    `### Append-only profile vs plain sftp over a shaped link (${FILES} files, ${mb.toFixed(0)} MiB bench tree, medians of ${ROUNDS} alternating rounds)`,
    '',
    "restic 0.14 in a network namespace behind a user-space netem stand-in (bench/link/tun-shaper.c: rate per direction, half the round-trip time each way, loss per direction; the kernel here has no sch_netem), to the two-Pi lab's sshd: through the provisioned forced command `rclone serve restic --stdio --append-only` with the workstation's own repository arguments, and plain `restic -r sftp:` to the same sshd and account. Throughput = tree size / wall time.",
    '',
    '| link | run | append-only | sftp | append-only throughput ÷ sftp | ≥ 0.95 | per round (s, append-only / sftp) | load (1/5/15 min) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export async function benchAppendOnlyLink(): Promise<string> {
  const m = await measureAppendOnlyLink();
  writeFileSync(
    join(import.meta.dirname, 'append-only-link-results.json'),
    JSON.stringify(m, null, 2) + '\n',
  );
  return appendOnlyLinkSection(m);
}

if (process.argv[1] && /bench\/append-only-link\.ts$/.test(process.argv[1])) {
  process.stdout.write(`${await benchAppendOnlyLink()}\n`);
}
