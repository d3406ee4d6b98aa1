import { parseArgs } from 'node:util';
import { requireOffsite } from '../config.js';
import { EXIT } from '../errors.js';
import { offsitePaths } from '../offsite-store.js';
import { planRetention } from '../removed-ledger.js';
import { describeDecision } from '../retention.js';
import { applyRetention } from '../sync.js';
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
  const p = offsitePaths(off.root);
  const now = new Date();
  for (const d of planRetention(p, off, now)) io.out(describeDecision(d, off.retention));
  if (!values['dry-run']) applyRetention(p, off, now, io.err);
  return EXIT.ok;
}
