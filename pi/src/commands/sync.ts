import { parseArgs } from 'node:util';
import { PiRun } from '../../../contract/pi-status.js';
import { requireOffsite } from '../config.js';
import { EXIT } from '../errors.js';
import { runSync } from '../offsite/sync.js';
import { refuseRootOnAccountStore } from '../offsite/store-owner.js';
import { loadAll, type CommandIo } from './common.js';

export const syncHelp = `restray-pi sync [--if-changed] [--trigger timer|change|manual] [--config FILE]

Pulls the onsite repository into a new verified generation (see pi/README.md).
  --if-changed   only sync when the onsite snapshot list, keys or config changed (cheap check for short timers)
  --trigger      recorded in the status; timer and change runs respect the configured time window
Exit: 0 ok or nothing to do, 1 failed, 3 blocked by the guard, 4 invalid config, 5 another run in progress.`;

export async function syncCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, 'if-changed': { type: 'boolean' }, trigger: { type: 'string' } },
    strict: true,
  });
  const trigger = PiRun.shape.trigger.unwrap().parse(values.trigger ?? 'manual');
  const { config, secrets } = loadAll(values.config, io);
  const offsite = requireOffsite(config);
  refuseRootOnAccountStore(offsite.root, 'sync', io.env);
  const outcome = await runSync({
    config,
    offsite,
    secrets,
    trigger,
    ifChanged: values['if-changed'] ?? false,
    log: io.err,
  });
  return outcome.result === 'failed' ? EXIT.failed : outcome.result === 'blocked' ? EXIT.blocked : EXIT.ok;
}
