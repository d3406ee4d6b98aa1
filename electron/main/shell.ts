import { app, clipboard, dialog, shell, type BrowserWindow } from 'electron';
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { RestrayError } from '../../core/errors.js';
import type { ShellPort } from './dispatch.js';
import { openExternalLink } from './external-links.js';

/** The shell requests, served by Electron: dialogs, the file manager, the browser, the clipboard. */
export function createShell(getWindow: () => BrowserWindow | undefined): ShellPort {
  return {
    async getEnvironment() {
      const platform =
        process.platform === 'darwin' || process.platform === 'win32' ? process.platform : 'linux';
      return {
        platform,
        homeDir: homedir(),
        restoreRoot: path.join(homedir(), 'Restored'),
        sep: path.sep === '\\' ? '\\' : '/',
        appVersion: app.getVersion(),
        locale: app.getLocale(),
      };
    },
    async chooseFolder({ title, defaultPath }) {
      const win = getWindow();
      const options = {
        properties: ['openDirectory', 'createDirectory'] as ('openDirectory' | 'createDirectory')[],
        ...(title ? { title } : {}),
        ...(defaultPath ? { defaultPath } : {}),
      };
      const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      return { path: result.canceled ? null : (result.filePaths[0] ?? null) };
    },
    async openFolder({ path: folder }) {
      // Only directories: shell.openPath on a file would run or open it with whatever handles its type.
      const info = await stat(folder).catch(() => undefined);
      if (!info?.isDirectory()) throw new RestrayError('not-found', `There is no folder at ${folder}.`);
      const error = await shell.openPath(folder);
      if (error) throw new RestrayError('failed', error);
    },
    async openHelp({ link }) {
      await openExternalLink(link);
    },
    async copyText({ text }) {
      clipboard.writeText(text);
    },
  };
}
