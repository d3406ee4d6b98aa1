import { EXIT } from '../errors.js';
import type { Change } from '../provision.js';
import type { ServiceManager } from '../pairing/service-manager.js';
import { texts, type Lang } from '../pairing/texts.js';
import type { CommandIo } from './common.js';

/** What the setup steps reach outside their files; tests pass their own service manager. */
export interface SetupDeps {
  services: ServiceManager;
  /** This Pi's name as the other side sees it (default: the host name). */
  hostname: string;
  /**
   * The command that runs this restray-pi (node and the bundle), for the first sync as the run account; default
   * the running process's own (`process.execPath`, `process.argv[1]`). Tests that call main() pass the bundle.
   */
  self?: readonly string[];
}

/**
 * Prints every change first, then applies them in order (none with `dryRun`). Prints "nothing to change" when
 * the list is empty. Returns EXIT.ok; a change that fails throws (the ones before it stay applied, and a
 * second run plans only what is still missing).
 */
export async function printAndApply(
  changes: readonly Change[],
  dryRun: boolean,
  io: CommandIo,
  lang: Lang,
): Promise<number> {
  const t = texts(lang);
  if (changes.length === 0) {
    io.out(t.nothing);
    return EXIT.ok;
  }
  io.out(t.changes(changes.length));
  for (const c of changes) io.out(`  ${dryRun ? t.would : ''}${c.describe}`);
  if (dryRun) {
    io.out(t.dryRun);
    return EXIT.ok;
  }
  for (const c of changes) await c.apply();
  return EXIT.ok;
}
