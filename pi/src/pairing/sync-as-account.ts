import { execa } from 'execa';
import type { CommandIo } from '../commands/common.js';
import { syncCommand } from '../commands/sync.js';

/**
 * Runs `restray-pi sync --config CONFIG --trigger manual` as the run account, as the units do (User=): as root
 * through `runuser -u ACCOUNT -- <self> sync …` (a child process, so every file it writes in the store is the
 * account's); as anybody else in this process. The child's output goes to `io` line by line. Returns the sync's
 * exit status (a child killed by a signal counts as failed, 1). Side effects: those of the sync.
 */
export async function syncAsAccount(
  config: string,
  account: string,
  self: readonly string[],
  io: CommandIo,
): Promise<number> {
  const args = ['sync', '--config', config, '--trigger', 'manual'];
  if (process.getuid?.() !== 0) return syncCommand(args, io);
  const child = execa('runuser', ['-u', account, '--', ...self, ...args], {
    reject: false,
    stdin: 'ignore',
    env: io.env,
    extendEnv: false,
    lines: true,
  });
  const r = await child;
  for (const l of r.stdout as unknown as string[]) io.out(l);
  for (const l of r.stderr as unknown as string[]) io.err(l);
  return typeof r.exitCode === 'number' ? r.exitCode : 1;
}
