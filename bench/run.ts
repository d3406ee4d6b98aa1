// `npm run bench`: every benchmark in one run, compared against the plain tools in the same run, written to
// bench/RESULTS.md. Select parts with BENCH_ONLY=core,daemon (default: all).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKeyringSession } from '../test/lab/keyring-session.js';
import { benchCoreBackup, benchDaemonIdle } from './core-backup.js';
import { machineInfo } from './lib.js';
import { benchRestoreBrowse } from './restore-browse.js';

const only = new Set((process.env.BENCH_ONLY ?? 'core,daemon,browse').split(','));
const session = await startKeyringSession();
const env = { ...session.env } as Record<string, string>;
const sections: string[] = [];
try {
  if (only.has('core')) sections.push(await benchCoreBackup(env));
  if (only.has('daemon')) sections.push(await benchDaemonIdle(env));
  if (only.has('browse')) sections.push(await benchRestoreBrowse(env));
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
