import { parseArgs } from 'node:util';
import { requireOnsite } from '../config.js';
import { EXIT } from '../errors.js';
import { runPush } from '../onsite/push.js';
import { loadAll, type CommandIo } from './common.js';

export const pushHelp = `restray-pi push [--config FILE]

Onsite Pi, push mode only (pull is preferred: then the onsite Pi holds no key for the offsite Pi). Sends the
repository's new files into the offsite Pi's incoming directory, then a manifest naming the files of this
state; the offsite Pi verifies, promotes and prunes (restray-pi sync there). The push key's forced command
(rrsync -wo -no-del -no-overwrite) lets it only add files: it cannot delete or change anything offsite.
restray-pi-push.path starts it when a new snapshot appears.
Exit: 0 pushed, 1 failed, 4 invalid config.`;

export async function pushCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' } }, strict: true });
  const { config } = loadAll(values.config, io);
  await runPush(requireOnsite(config), io.err);
  return EXIT.ok;
}
