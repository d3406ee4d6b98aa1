import { parseArgs } from 'node:util';
import { requireOnsite } from '../config.js';
import { EXIT } from '../errors.js';
import { maintain } from '../onsite/maintain.js';
import { loadAll, type CommandIo } from './common.js';

export const maintainHelp = `restray-pi maintain [--config FILE]

Onsite Pi: runs restic forget (onsite.forget, default --keep-within 30d) and prune on the repository, as the
repository owner, with the password from the restic-password credential. Workstations on append-only keys
cannot delete, so this is where old snapshots go. Exit: 0 ok, 1 restic failed, 4 invalid config.`;

export async function maintainCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' } }, strict: true });
  const { config, secrets } = loadAll(values.config, io);
  const code = await maintain(requireOnsite(config), secrets, io.err);
  return code === 0 ? EXIT.ok : EXIT.failed;
}
