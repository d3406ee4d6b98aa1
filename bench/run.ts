// `npm run bench`: every benchmark in one run, compared against the plain tools in the same run, written to
// bench/RESULTS.md. Select parts with BENCH_ONLY (comma-separated; default: all):
//   core        restray backup vs plain restic            daemon      the idle daemon's CPU and RSS
//   browse      restore browsing on a 1M-file snapshot    ui          the renderer's lists in Chromium
//   pi          restray-pi sync vs plain rsync, hashing, resume (bench/pi-sync.ts)
//   pi-scale    restray-pi sync/prune/reverify vs repository size and generation count (bench/pi-scale.ts;
//               1M files only with BENCH_PI_SCALE_1M=1, it takes more than 30 min here)
//   pi-link     restray-pi incremental sync over a WAN-like link vs plain rsync (bench/pi-link-sync.ts)
//   append-only append-only profile vs plain sftp over LAN- and Wi-Fi-like links (bench/append-only-link.ts)
// A run of some parts replaces their sections in bench/RESULTS.md and keeps the others (each section is marked
// with its part's name); other marked sections (written by hand: findings, profiles) are kept as they are. Run it
// under `nice`: the machines it runs on are shared.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKeyringSession } from '../test/lab/keyring-session.js';
import { benchAppendOnlyLink } from './append-only-link.js';
import { benchCoreBackup, benchDaemonIdle } from './core-backup.js';
import { machineInfo } from './lib.js';
import { benchPiLinkSync } from './pi-link-sync.js';
import { benchPiScale } from './pi-scale.js';
import { benchPiSync } from './pi-sync.js';
import { benchRestoreBrowse } from './restore-browse.js';
import { runRenderBench } from '../test/e2e/render-bench.js';

const PARTS = ['core', 'daemon', 'browse', 'ui', 'pi', 'pi-scale', 'pi-link', 'append-only'] as const;
type Part = (typeof PARTS)[number];
const only = new Set((process.env.BENCH_ONLY ?? PARTS.join(',')).split(','));
const resultsPath = join(import.meta.dirname, 'RESULTS.md');
const marker = (part: string) => `<!-- bench:${part} -->`;

/** The sections of an earlier RESULTS.md by part (text after each marker, up to the next one). */
function earlierSections(): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(resultsPath)) return out;
  const text = readFileSync(resultsPath, 'utf8');
  const re = /<!-- bench:([a-z-]+) -->\n/g;
  const hits = [...text.matchAll(re)];
  hits.forEach((m, i) => {
    const end = hits[i + 1]?.index ?? text.length;
    out.set(m[1]!, text.slice(m.index! + m[0].length, end).trim());
  });
  return out;
}

async function renderSection(): Promise<string> {
  const r = await runRenderBench();
  const row = (name: string, f: typeof r.snapshots) =>
    `| ${name} (${f.count.toLocaleString('en')}) | ${f.renderMs} ms (+${f.fetchMs} ms transport) | ${f.scrollLongestTaskMs} ms (${f.scrollLongTasks} long tasks) | ${f.domRows} | ${f.renderMs <= 200 && f.scrollLongestTaskMs <= 50 ? 'met' : 'NOT met'} |`;
  return [
    '### Renderer in Chromium (virtualized lists)',
    '',
    '| list | first rows rendered | longest task while scrolling | rows in DOM | target ≤ 200 ms / ≤ 50 ms |',
    '|---|---|---|---|---|',
    row('snapshots', r.snapshots),
    row('folder entries', r.directory),
  ].join('\n');
}

const session = await startKeyringSession();
const env = { ...session.env } as Record<string, string>;
const benches: Record<Part, () => Promise<string>> = {
  core: () => benchCoreBackup(env),
  daemon: () => benchDaemonIdle(env),
  browse: () => benchRestoreBrowse(env),
  ui: renderSection,
  pi: benchPiSync,
  'pi-scale': benchPiScale,
  'pi-link': benchPiLinkSync,
  'append-only': benchAppendOnlyLink,
};
const sections = earlierSections();
try {
  for (const part of PARTS)
    if (only.has(part)) {
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
      const text = await benches[part]();
      sections.set(
        part,
        `${text}\n\n_Measured ${new Date().toISOString()}, load at start ${load} (1/5/15 min)._`,
      );
    }
} finally {
  session.stop();
}
const text = [
  '# Benchmark results',
  '',
  'Written by `npm run bench` (parts: `BENCH_ONLY`, see bench/run.ts). Sections not re-run keep their earlier figures and date.',
  '',
  machineInfo(),
  '',
  // The parts in their order, then hand-written sections (e.g. `<!-- bench:findings -->`), kept as they are.
  ...[
    ...PARTS.filter((p) => sections.has(p)),
    ...[...sections.keys()].filter((k) => !PARTS.includes(k as Part)),
  ].flatMap((p) => [marker(p), sections.get(p)!, '']),
].join('\n');
writeFileSync(resultsPath, text);
process.stdout.write(text);
