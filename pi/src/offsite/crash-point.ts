/**
 * The commit points of an offsite run, in the order a run passes them (see offsite/run.ts). A crash between two
 * of them must leave the store in a state the next run's recovery (offsite/commit.ts) turns into a consistent
 * one; the crash test kills restray-pi at each of them.
 */
export type CrashPoint =
  | 'recover:done'
  | 'staging:salvaged'
  | 'list:done'
  | 'transfer:file'
  | 'transfer:done'
  | 'verify:file'
  | 'verify:done'
  | 'guard:done'
  | 'promote:meta'
  | 'promote:renamed'
  | 'retain:trashed'
  | 'retain:meta'
  | 'retain:delete'
  | 'publish:written'
  | 'publish:sent';

let target: { name: string; n: number } | null | undefined;

/**
 * Test hook: with `RESTRAY_PI_TEST_CRASH_AT=<point>[:<n>]` in the environment, the n-th arrival (default the
 * first) at that point SIGKILLs this process, so a test can crash a run deterministically between any two steps
 * of its commit protocol. Without the variable (every real run) this is a no-op.
 */
export function crashPoint(name: CrashPoint): void {
  if (target === undefined) {
    const m = /^([a-z]+:[a-z]+)(?::(\d+))?$/.exec(process.env.RESTRAY_PI_TEST_CRASH_AT ?? '');
    target = m ? { name: m[1]!, n: m[2] ? Number(m[2]) : 1 } : null;
  }
  if (target?.name !== name) return;
  if (--target.n === 0) process.kill(process.pid, 'SIGKILL');
}
