import { parseArgs } from 'node:util';
import { requireOffsite } from '../config.js';
import { EXIT } from '../errors.js';
import { writeJsonAtomic } from '../fs-util.js';
import { offsitePaths } from '../offsite/store.js';
import { readGuardState } from '../offsite/status.js';
import { refuseRootOnAccountStore } from '../offsite/store-owner.js';
import { loadAll, type CommandIo } from './common.js';

export const approveHelp = `restray-pi approve [--config FILE]

Accepts the change that blocked the last sync (a large prune, a new key): the next sync promotes it. The
approval covers exactly that finding; a different change blocks again.
Exit: 0 approved, 1 nothing is blocked.`;

export async function approveCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' } }, strict: true });
  const { config } = loadAll(values.config, io);
  const off = requireOffsite(config);
  refuseRootOnAccountStore(off.root, 'approve', io.env);
  const p = offsitePaths(off.root);
  const g = readGuardState(p, off.guard.maxLostShare);
  if (g.state !== 'blocked' || !g.findingId) {
    io.err('Nothing is blocked.');
    return EXIT.failed;
  }
  writeJsonAtomic(p.approval, {
    findingId: g.findingId,
    approvedAt: new Date().toISOString(),
    reason: g.reason,
  });
  io.out(
    `Approved: ${g.reason ?? 'the blocked change'}\nThe next sync will promote it (run: restray-pi sync).`,
  );
  return EXIT.ok;
}
