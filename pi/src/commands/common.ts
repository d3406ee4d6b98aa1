import { loadConfig, loadSecrets, type PiConfig, type Secrets } from '../config.js';

/** What every command gets: parsed CLI values and the process's output streams (tests pass their own). */
export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

export const defaultIo: CommandIo = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  env: process.env,
};

/** Loads config and secrets (secrets lazily validated for file mode and shape). */
export function loadAll(
  configPath: string | undefined,
  io: CommandIo,
): { config: PiConfig; secrets: Secrets } {
  const config = loadConfig(configPath);
  return { config, secrets: loadSecrets(config.secretsFile, io.env) };
}
