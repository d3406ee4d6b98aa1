import { CONFIG_VERSION } from '../../contract/config.js';
import { RestrayError } from '../errors.js';

type RawConfig = Record<string, unknown>;
/** Each step takes a raw config of version N and returns version N+1. */
export type Migration = (raw: RawConfig) => RawConfig;

/**
 * Known steps, keyed by the version they upgrade from. Version 0 is a file without a `version` field (written
 * by early development builds): its shape is version 1's.
 */
export const migrations: Record<number, Migration> = {
  0: (raw) => ({ ...raw, version: 1 }),
  // Version 2 adds repositories[].offsiteStatusKey (the offsite Pi's pinned status key). Version-1 files have
  // none: they keep reading unsigned statuses, with a warning, until the key is pinned.
  1: (raw) => ({ ...raw, version: 2 }),
};

/**
 * Upgrades a parsed config object to the current version, step by step. Throws `invalid-config` when the file
 * comes from a newer Restray (never downgrade silently) or when no step exists.
 */
export function migrateConfig(
  raw: RawConfig,
  steps: Record<number, Migration> = migrations,
  current = CONFIG_VERSION,
): { config: RawConfig; migrated: boolean } {
  let version = raw.version === undefined ? 0 : raw.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    throw new RestrayError('invalid-config', `version: must be a whole number up to ${current}`);
  }
  if (version > current) {
    throw new RestrayError(
      'invalid-config',
      `version: this file was written by a newer Restray (version ${version}; this one reads up to ${current})`,
      { hint: 'Update Restray, or restore an older copy of the configuration.' },
    );
  }
  let config = raw;
  while (version < current) {
    const step = steps[version];
    if (!step) throw new RestrayError('invalid-config', `version: no migration from version ${version}`);
    config = step(config);
    version += 1;
  }
  return { config, migrated: config !== raw };
}
