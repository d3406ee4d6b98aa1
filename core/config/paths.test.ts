import { describe, expect, it } from 'vitest';
import { resolvePaths } from './paths.js';

describe('resolvePaths', () => {
  it('follows XDG on Linux', () => {
    const p = resolvePaths('linux', {}, '/home/ada');
    expect(p.configFile).toBe('/home/ada/.config/restray/config.json');
    expect(p.stateDir).toBe('/home/ada/.local/state/restray');
    expect(p.sshDir).toBe('/home/ada/.config/restray/ssh');
  });
  it('honours XDG variables', () => {
    const p = resolvePaths('linux', { XDG_CONFIG_HOME: '/c', XDG_STATE_HOME: '/s' }, '/home/ada');
    expect(p.configDir).toBe('/c/restray');
    expect(p.logDir).toBe('/s/restray/logs');
  });
  it('uses Application Support and Logs on macOS', () => {
    const p = resolvePaths('darwin', {}, '/Users/ada');
    expect(p.configDir).toBe('/Users/ada/Library/Application Support/Restray');
    expect(p.logDir).toBe('/Users/ada/Library/Logs/Restray');
  });
  it('uses APPDATA and LOCALAPPDATA on Windows', () => {
    const p = resolvePaths('win32', { APPDATA: 'R', LOCALAPPDATA: 'L' }, 'H');
    expect(p.configDir).toMatch(/^R[/\\]Restray$/);
    expect(p.stateDir).toMatch(/^L[/\\]Restray$/);
  });
  it('puts everything under RESTRAY_HOME when set', () => {
    const p = resolvePaths('darwin', { RESTRAY_HOME: '/tmp/r' }, '/Users/ada');
    expect(p.configFile).toBe('/tmp/r/config.json');
    expect(p.stateDir).toBe('/tmp/r/state');
  });
});
