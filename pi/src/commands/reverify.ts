import { parseArgs } from 'node:util';
import { requireOffsite } from '../config.js';
import { EXIT } from '../errors.js';
import { acquireRunLock, ensureLayout, offsitePaths } from '../offsite/store.js';
import { readVerifyState, reverifySlice } from '../offsite/reverify.js';
import { recoverStore } from '../offsite/commit.js';
import { alert, finishStatus } from '../offsite/report.js';
import { refuseRootOnAccountStore } from '../offsite/store-owner.js';
import { loadAll, type CommandIo } from './common.js';

export const reverifyHelp = `restray-pi reverify [--config FILE]

Offsite Pi: re-hashes the next slice of stored generation files against their names (bit rot), so that every
file is checked once per verify.rotationRuns runs (restray-pi-reverify.timer runs it daily). Damaged files are
recorded, the generations holding them are shown "damaged" in the status, an alert goes out, and the next sync
fetches a fresh copy instead of hardlinking the damaged one. Kept out of sync so a sync takes only as long as
its transfer.
Exit: 0 no damage known, 1 damaged files recorded, 5 a sync is running (try later).`;

export async function reverifyCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' } }, strict: true });
  const { config, secrets } = loadAll(values.config, io);
  const off = requireOffsite(config);
  refuseRootOnAccountStore(off.root, 'reverify', io.env);
  const p = offsitePaths(off.root);
  ensureLayout(p);
  // Retention must not remove a generation while it is being hashed: same lock as sync.
  const release = acquireRunLock(p);
  try {
    recoverStore(p, io.err);
    const now = new Date();
    const slice = await reverifySlice(p, off.verify.rotationRuns, off.verify.concurrency, now);
    io.err(`re-verified ${slice.checked} file(s); ${slice.newlyDamaged.length} newly damaged`);
    const o = { config, offsite: off, secrets };
    await finishStatus(o, p, now, undefined, io.err);
    if (slice.newlyDamaged.length > 0)
      await alert(
        o,
        p,
        'damaged',
        `${slice.newlyDamaged.length} stored file(s) no longer match their SHA-256 (bit rot), first ${slice.newlyDamaged[0]!.file}; generations holding them are marked damaged.`,
        io.err,
        now,
      );
    return readVerifyState(p).damaged.length > 0 ? EXIT.failed : EXIT.ok;
  } finally {
    release();
  }
}
