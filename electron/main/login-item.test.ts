import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { applyLaunchAtLogin, autostartDesktopEntry } from './login-item.js';

describe('launch at login', () => {
  it('quotes the executable in the desktop entry and starts hidden', () => {
    expect(autostartDesktopEntry('/opt/My Apps/Restray.AppImage')).toContain(
      'Exec="/opt/My Apps/Restray.AppImage" --hidden',
    );
    expect(autostartDesktopEntry('/x/$HOME"/r')).toContain('Exec="/x/\\$HOME\\"/r" --hidden');
  });

  it('Linux: writes and removes ~/.config/autostart/restray.desktop', async () => {
    const configHome = mkdtempSync(path.join(tmpdir(), 'restray-xdg-'));
    const host = {
      platform: 'linux' as const,
      configHome,
      executable: '/usr/bin/restray',
      setLoginItemSettings: vi.fn(),
    };
    await applyLaunchAtLogin(true, host);
    const file = path.join(configHome, 'autostart', 'restray.desktop');
    expect(readFileSync(file, 'utf8')).toContain('Exec="/usr/bin/restray" --hidden');
    await applyLaunchAtLogin(false, host);
    expect(existsSync(file)).toBe(false);
    expect(host.setLoginItemSettings).not.toHaveBeenCalled();
  });

  it('macOS and Windows: Electron login item settings', async () => {
    const host = {
      platform: 'darwin' as const,
      configHome: '/none',
      executable: '/x',
      setLoginItemSettings: vi.fn(),
    };
    await applyLaunchAtLogin(true, host);
    expect(host.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true, args: ['--hidden'] });
  });
});
