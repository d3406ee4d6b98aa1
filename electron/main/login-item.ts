import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Launch at login. macOS and Windows: Electron's login item settings. Linux has no such API in Electron, so
 * Restray writes an XDG autostart entry (~/.config/autostart/restray.desktop), which every desktop honours.
 * The app starts with `--hidden`: straight to the tray.
 */

/** Pure: the autostart entry for an executable (an AppImage's path when run from one). */
export function autostartDesktopEntry(executable: string): string {
  // Desktop-entry Exec quoting: wrap in double quotes, escape ", `, $ and \.
  const quoted = `"${executable.replace(/(["`$\\])/g, '\\$1')}"`;
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Restray',
    'Comment=Backups with restic to your Raspberry Pis',
    `Exec=${quoted} --hidden`,
    'Icon=restray',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export interface LoginItemHost {
  platform: NodeJS.Platform;
  /** XDG config home (default ~/.config). */
  configHome: string;
  /** What to start: the AppImage when run from one, else the Electron executable. */
  executable: string;
  /** Electron's app.setLoginItemSettings (macOS, Windows). */
  setLoginItemSettings(settings: { openAtLogin: boolean; args: string[] }): void;
}

export async function applyLaunchAtLogin(enabled: boolean, host: LoginItemHost): Promise<void> {
  if (host.platform !== 'linux') {
    host.setLoginItemSettings({ openAtLogin: enabled, args: ['--hidden'] });
    return;
  }
  const file = path.join(host.configHome, 'autostart', 'restray.desktop');
  if (enabled) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, autostartDesktopEntry(host.executable), { mode: 0o644 });
  } else {
    await rm(file, { force: true });
  }
}
