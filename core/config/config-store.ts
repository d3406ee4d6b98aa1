import { readFile } from 'node:fs/promises';
import { Config, CONFIG_VERSION } from '../../contract/config.js';
import { RestrayError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { migrateConfig } from './migrations.js';
import { describeZodError } from './validation-message.js';

/** A fresh, empty configuration. */
export function emptyConfig(): Config {
  return Config.parse({ version: CONFIG_VERSION });
}

/**
 * Reads, migrates and validates the config file. A missing file gives an empty config. A file that is not
 * JSON or does not validate throws `invalid-config` naming the file, the field(s) and the allowed values; the
 * file is left untouched. A migrated config is returned upgraded but only written by the next save.
 */
export async function loadConfig(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyConfig();
    throw new RestrayError(
      'invalid-config',
      `Cannot read the configuration ${path}: ${(e as Error).message}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new RestrayError(
      'invalid-config',
      `The configuration ${path} is not valid JSON (${(e as Error).message}).`,
      {
        hint: 'Fix the file by hand or move it away; Restray does not overwrite it.',
      },
    );
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new RestrayError('invalid-config', `The configuration ${path} must hold a JSON object.`);
  }
  const { config } = migrateConfig(raw as Record<string, unknown>);
  return validateConfig(config, path);
}

/** Validates a raw config value; throws `invalid-config` listing each bad field and what it allows. */
export function validateConfig(raw: unknown, source = 'configuration'): Config {
  // One parse per schema and process: zod's compiled fast path (generated with `new Function`) would cost
  // more to build than it saves.
  const parsed = Config.safeParse(raw, { jitless: true });
  if (!parsed.success) {
    const lines = describeZodError(parsed.error);
    throw new RestrayError('invalid-config', `The ${source} is invalid: ${lines.join('; ')}`, {
      hint: 'Fix the named field(s); Restray has not changed the file.',
    });
  }
  return parsed.data;
}

/** Validates and writes the config atomically (mode 0600). An invalid config is rejected before any write. */
export async function saveConfig(path: string, config: Config): Promise<void> {
  const valid = validateConfig(config);
  await writeFileAtomic(path, `${JSON.stringify(valid, null, 2)}\n`);
}

/**
 * Load → change → validate → save. The change function returns the new config; if it throws or the result
 * is invalid, nothing is written.
 */
export async function updateConfig(path: string, change: (c: Config) => Config): Promise<Config> {
  const next = validateConfig(change(await loadConfig(path)));
  await saveConfig(path, next);
  return next;
}
