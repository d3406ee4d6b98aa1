// `npm run bench`: every benchmark in one run, compared against the plain tools in the same run, written to
// bench/RESULTS.md. Select parts with BENCH_ONLY=core,daemon (default: all).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKeyringSession } from '../test/lab/keyring-session.js';
import { benchCoreBackup, benchDaemonIdle } from './core-backup.js';
import { machineInfo } from './lib.js';
import { benchPiSync } from './pi-sync.js';
import { benchRestoreBrowse } from './restore-browse.js';
import { runRenderBench } from '../test/e2e/render-bench.js';

const only = new Set((process.env.BENCH_ONLY ?? 'core,daemon,browse,ui,pi').split(','));
const session = await startKeyringSession();
const env = { ...session.env } as Record<string, string>;
const sections: string[] = [];
try {
  if (only.has('core')) sections.push(await benchCoreBackup(env));
  if (only.has('daemon')) sections.push(await benchDaemonIdle(env));
  if (only.has('browse')) sections.push(await benchRestoreBrowse(env));
  if (only.has('ui')) {
    const r = await runRenderBench();
    const row = (name: string, f: typeof r.snapshots) =>
      `| ${name} (${f.count.toLocaleString('en')}) | ${f.renderMs} ms (+${f.fetchMs} ms transport) | ${f.scrollLongestTaskMs} ms (${f.scrollLongTasks} long tasks) | ${f.domRows} | ${f.renderMs <= 200 && f.scrollLongestTaskMs <= 50 ? 'met' : 'NOT met'} |`;
    sections.push(
      [
        '### Renderer in Chromium (virtualized lists)',
        '',
        '| list | first rows rendered | longest task while scrolling | rows in DOM | target ≤ 200 ms / ≤ 50 ms |',
        '|---|---|---|---|---|',
        row('snapshots', r.snapshots),
        row('folder entries', r.directory),
      ].join('\n'),
    );
  }
  if (only.has('pi')) sections.push(await benchPiSync());
} finally {
  session.stop();
}
const text = [
  '# Benchmark results',
  '',
  'Written by `npm run bench`.',
  '',
  machineInfo(),
  '',
  ...sections.flatMap((s) => [s, '']),
  '',
].join('\n');
writeFileSync(join(import.meta.dirname, 'RESULTS.md'), text);
process.stdout.write(text);
