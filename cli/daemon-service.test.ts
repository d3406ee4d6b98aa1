import { describe, expect, it } from 'vitest';
import {
  launchAgentPlist,
  serviceFile,
  systemdExecLine,
  systemdQuote,
  systemdUnit,
  windowsTaskCommand,
  windowsTaskCreateArgs,
  windowsTaskDeleteArgs,
} from './daemon-service.js';

const cmd = {
  node: '/opt/node 20/bin/node',
  bin: '/home/a b/restray/bin/restray.mjs',
  restrayHome: '/home/a b/Restray "home" 100%$HOME\\x',
  path: '/opt/node 20/bin:/usr/bin',
};

describe('serviceFile', () => {
  it('names the per-OS place of the definition', () => {
    expect(serviceFile('linux', {}, '/home/a')).toBe('/home/a/.config/systemd/user/restray.service');
    expect(serviceFile('linux', { XDG_CONFIG_HOME: '/x y' }, '/home/a')).toBe(
      '/x y/systemd/user/restray.service',
    );
    expect(serviceFile('darwin', {}, '/Users/a')).toBe(
      '/Users/a/Library/LaunchAgents/org.restray.daemon.plist',
    );
    expect(serviceFile('win32', {}, 'C:\\Users\\a')).toBeUndefined();
  });
});

describe('systemdUnit', () => {
  it('starts `node bin daemon` with every word quoted and %, $, \\ and " escaped', () => {
    const unit = systemdUnit(cmd);
    expect(unit).toContain('ExecStart="/opt/node 20/bin/node" "/home/a b/restray/bin/restray.mjs" daemon\n');
    expect(unit).toContain('Environment="RESTRAY_HOME=/home/a b/Restray \\"home\\" 100%%$HOME\\\\x"\n');
    expect(unit).toContain('Environment="PATH=/opt/node 20/bin:/usr/bin"\n');
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^KillMode=mixed$/m);
    expect(unit).toMatch(/\[Install\]\nWantedBy=default\.target\n$/);
    expect(systemdQuote('/a$b%c', 'x', true)).toBe('"/a$$b%%c"');
  });

  it('keeps a program path as systemd reads it, and starts one it refuses through /usr/bin/env', () => {
    expect(systemdExecLine(['/opt/n $x 100%/node', '/b $y/r.mjs', 'daemon'])).toBe(
      '"/opt/n $x 100%%/node" "/b $$y/r.mjs" daemon',
    );
    expect(systemdExecLine(["/home/O'Neil/node", '/b/r.mjs', 'daemon'])).toBe(
      '/usr/bin/env "/home/O\'Neil/node" "/b/r.mjs" daemon',
    );
    expect(systemdExecLine(['/a "q" \\b $x/node', 'daemon'])).toBe(
      '/usr/bin/env "/a \\"q\\" \\\\b $$x/node" daemon',
    );
  });

  it('leaves RESTRAY_HOME out when the caller has none', () => {
    expect(systemdUnit({ node: '/usr/bin/node', bin: '/b/restray.mjs' })).not.toMatch(/Environment=/);
  });

  it('refuses a path with a line break (it could add directives to the unit)', () => {
    expect(() => systemdUnit({ ...cmd, restrayHome: '/x\nExecStartPre=/bin/evil' })).toThrow(/line break/);
  });
});

describe('launchAgentPlist', () => {
  it('runs at load, restarts after a failure, logs into the log folder, with XML-escaped strings', () => {
    const plist = launchAgentPlist(
      { ...cmd, restrayHome: '/Users/a b/R&D <home>' },
      '/Users/a b/Library/Logs/Restray',
    );
    expect(plist).toContain('<key>Label</key><string>org.restray.daemon</string>');
    expect(plist).toContain(
      '    <string>/opt/node 20/bin/node</string>\n    <string>/home/a b/restray/bin/restray.mjs</string>\n    <string>daemon</string>\n',
    );
    expect(plist).toContain('<key>RESTRAY_HOME</key><string>/Users/a b/R&#38;D &#60;home&#62;</string>');
    expect(plist).toContain('<key>RunAtLoad</key><true/>');
    expect(plist).toContain('<key>KeepAlive</key>\n  <dict><key>SuccessfulExit</key><false/></dict>');
    expect(plist).toContain(
      '<key>StandardErrorPath</key><string>/Users/a b/Library/Logs/Restray/restray-daemon.stderr.log</string>',
    );
  });
});

describe('windows logon task', () => {
  const win = {
    node: 'C:\\Program Files\\nodejs\\node.exe',
    bin: 'C:\\Users\\A B\\restray\\bin\\restray.mjs',
  };

  it('builds the schtasks argv with each path quoted inside /TR', () => {
    expect(windowsTaskCreateArgs(win)).toEqual([
      '/Create',
      '/SC',
      'ONLOGON',
      '/TN',
      'Restray',
      '/TR',
      '"C:\\Program Files\\nodejs\\node.exe" "C:\\Users\\A B\\restray\\bin\\restray.mjs" daemon',
      '/RL',
      'LIMITED',
      '/F',
    ]);
    expect(windowsTaskDeleteArgs()).toEqual(['/Delete', '/TN', 'Restray', '/F']);
  });

  it('carries RESTRAY_HOME through cmd.exe, and refuses what cmd.exe or schtasks cannot take', () => {
    expect(windowsTaskCommand({ ...win, restrayHome: 'D:\\Restray Home' })).toBe(
      'cmd.exe /d /s /c "set "RESTRAY_HOME=D:\\Restray Home" && "C:\\Program Files\\nodejs\\node.exe" "C:\\Users\\A B\\restray\\bin\\restray.mjs" daemon"',
    );
    expect(() => windowsTaskCommand({ ...win, restrayHome: 'D:\\%USERNAME%' })).toThrow(/% sign/);
    expect(() => windowsTaskCommand({ ...win, bin: 'C:\\a"b' })).toThrow(/double quote/);
    expect(() => windowsTaskCommand({ ...win, bin: `C:\\${'x'.repeat(300)}` })).toThrow(/at most 261/);
  });
});
