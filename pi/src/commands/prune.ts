import { parseArgs } from 'node:util';
import { requireOffsite } from '../config.js';
import { EXIT } from '../errors.js';
import { acquireRunLock, ensureLayout, offsitePaths } from '../offsite/store.js';
import { planRetention } from '../offsite/removed-ledger.js';
import { describeDecision } from '../retention.js';
import { applyRetention, recoverStore } from '../offsite/commit.js';
import { refuseRootOnAccountStore } from '../offsite/store-owner.js';
import { loadAll, type CommandIo } from './common.js';

export const pruneHelp = `restray-pi prune [--dry-run] [--config FILE]

Applies the offsite retention (offsite.retention) to the generations; --dry-run lists what would go and why.
A generation that is the last to hold a file gone onsite stays until that file has been gone for
guard.keepRemovedDays (the protection period; --dry-run names such holds).
sync applies it after each promotion, so this is for policy changes and inspection.`;

export async function pruneCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, 'dry-run': { type: 'boolean' } },
    strict: true,
  });
  const { config } = loadAll(values.config, io);
  const off = requireOffsite(config);
  refuseRootOnAccountStore(off.root, 'prune', io.env);
  const p = offsitePaths(off.root);
  const now = new Date();
  if (values['dry-run']) {
    for (const d of planRetention(p, off, now)) io.out(describeDecision(d, off.retention));
    return EXIT.ok;
  }
  // The retention commit changes the store: under the run lock, after recovery, like a sync.
  ensureLayout(p);
  const release = acquireRunLock(p);
  try {
    recoverStore(p, io.err);
    for (const d of planRetention(p, off, now)) io.out(describeDecision(d, off.retention));
    applyRetention(p, off, now, io.err);
  } finally {
    release();
  }
  return EXIT.ok;
}
