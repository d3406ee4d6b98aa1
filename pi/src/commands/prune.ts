import { parseArgs } from 'node:util';
import { requireOffsite } from '../config.js';
import { EXIT } from '../errors.js';
import { parseGenerationName } from '../generation-name.js';
import { acquireRunLock, ensureLayout, listGenerations, offsitePaths } from '../offsite/store.js';
import { decideRetention, describeDecision } from '../retention.js';
import { applyRetention, recoverStore } from '../offsite/commit.js';
import { loadAll, type CommandIo } from './common.js';

export const pruneHelp = `restray-pi prune [--dry-run] [--config FILE]

Applies the offsite retention (offsite.retention) to the generations; --dry-run lists what would go and why.
sync applies it after each promotion, so this is for policy changes and inspection.`;

export async function pruneCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, 'dry-run': { type: 'boolean' } },
    strict: true,
  });
  const { config } = loadAll(values.config, io);
  const off = requireOffsite(config);
  const p = offsitePaths(off.root);
  const now = new Date();
  if (values['dry-run']) {
    const gens = listGenerations(p).map((name) => ({ name, time: parseGenerationName(name)! }));
    for (const d of decideRetention(gens, off.retention, now)) io.out(describeDecision(d, off.retention));
    return EXIT.ok;
  }
  // The retention commit changes the store: under the run lock, after recovery, like a sync.
  ensureLayout(p);
  const release = acquireRunLock(p);
  try {
    recoverStore(p, io.err);
    const gens = listGenerations(p).map((name) => ({ name, time: parseGenerationName(name)! }));
    for (const d of decideRetention(gens, off.retention, now)) io.out(describeDecision(d, off.retention));
    applyRetention(p, off, now, io.err);
  } finally {
    release();
  }
  return EXIT.ok;
}
