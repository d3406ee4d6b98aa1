import { hostname } from 'node:os';
import { PiError } from '../errors.js';
import { systemctl } from '../pairing/service-manager.js';
import { setupLang, texts } from '../pairing/texts.js';
import type { CommandIo } from './common.js';
import type { SetupDeps } from './setup-common.js';
import { setupOffsiteCommand, setupOffsiteHelp } from './setup-offsite.js';
import { setupOnsiteCommand, setupOnsiteHelp } from './setup-onsite.js';

export const setupHelp = `restray-pi setup — pair the two Pis with pasted lines (three commands per Pi, see pi/README.md)

  offsite Pi:  sudo restray-pi setup offsite                         → prints the offsite line
  onsite Pi:   sudo restray-pi setup onsite --workstation '<line the app shows>' --offsite '<offsite line>'
                                                                     → prints the onsite line
  offsite Pi:  sudo restray-pi setup offsite --onsite '<onsite line>'  → pins, configures, enables, first sync
The lines hold public keys, fingerprints, names, ports and paths: never a secret.

${setupOffsiteHelp}

${setupOnsiteHelp}`;

/** The real dependencies: systemctl and this machine's host name. */
export const defaultSetupDeps: SetupDeps = { services: systemctl, hostname: hostname() };

/** `restray-pi setup offsite|onsite …`. Throws PiError `invalid-argument` (exit 2 via main) for a bad line. */
export async function setupCommand(
  argv: string[],
  io: CommandIo,
  deps: SetupDeps = defaultSetupDeps,
): Promise<number> {
  const [side, ...rest] = argv;
  if (side === 'offsite') return setupOffsiteCommand(rest, io, deps);
  if (side === 'onsite') return setupOnsiteCommand(rest, io, deps);
  throw new PiError('invalid-argument', texts(setupLang(io.env)).usage);
}
