import { join } from 'node:path';

/** Where Restray keeps its files on this machine. */
export interface RestrayPaths {
  /** Folder of config.json and the ssh/ folder with per-repository keys and pinned host keys. */
  configDir: string;
  configFile: string;
  /** SSH keys and known_hosts files Restray generates (mode 0700). */
  sshDir: string;
  /** Run history, scheduler state and caches. */
  stateDir: string;
  /** Log files. */
  logDir: string;
}

/**
 * Resolves Restray's folders by OS convention, or under `RESTRAY_HOME` when that variable is set:
 * Linux `$XDG_CONFIG_HOME/restray` and `$XDG_STATE_HOME/restray`; macOS `~/Library/Application Support/Restray`
 * and `~/Library/Logs/Restray`; Windows `%APPDATA%\Restray` and `%LOCALAPPDATA%\Restray`.
 * Pure: reads only its arguments.
 */
export function resolvePaths(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, home: string): RestrayPaths {
  const make = (configDir: string, stateDir: string, logDir: string): RestrayPaths => ({
    configDir,
    configFile: join(configDir, 'config.json'),
    sshDir: join(configDir, 'ssh'),
    stateDir,
    logDir,
  });
  if (env.RESTRAY_HOME) {
    const root = env.RESTRAY_HOME;
    return make(root, join(root, 'state'), join(root, 'logs'));
  }
  if (platform === 'win32') {
    const roaming = env.APPDATA ?? join(home, 'AppData', 'Roaming');
    const local = env.LOCALAPPDATA ?? join(home, 'AppData', 'Local');
    return make(join(roaming, 'Restray'), join(local, 'Restray'), join(local, 'Restray', 'logs'));
  }
  if (platform === 'darwin') {
    const support = join(home, 'Library', 'Application Support', 'Restray');
    return make(support, join(support, 'state'), join(home, 'Library', 'Logs', 'Restray'));
  }
  const config = env.XDG_CONFIG_HOME || join(home, '.config');
  const state = env.XDG_STATE_HOME || join(home, '.local', 'state');
  return make(join(config, 'restray'), join(state, 'restray'), join(state, 'restray', 'logs'));
}
