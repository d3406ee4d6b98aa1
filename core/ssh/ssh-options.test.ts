import { describe, expect, it } from 'vitest';
import { RestrayError } from '../errors.js';
import {
  quoteForRestic,
  resticOption,
  sshArgs,
  sshCommandString,
  sshOptionArgs,
  splitLikeRestic,
} from './ssh-options.js';

const endpoint = {
  user: 'restic',
  host: 'pi.local',
  port: 2222,
  sshKey: '/home/jane/.config/restray/keys/onsite',
  knownHosts: '/home/jane/.config/restray/known_hosts/onsite',
};

describe('sshOptionArgs', () => {
  it('pins the key, the host key file and the timeouts, after the shared isolation options', () => {
    const args = sshOptionArgs(endpoint);
    expect(args.slice(0, 4)).toEqual(['-o', 'ControlMaster=no', '-o', 'ControlPath=none']);
    expect(args.slice(4, 6)).toEqual(['-F', 'none']);
    expect(args.slice(-12)).toEqual([
      ...['-o', `IdentityFile=${endpoint.sshKey}`, '-o', `UserKnownHostsFile=${endpoint.knownHosts}`],
      ...['-o', 'ConnectTimeout=15', '-o', 'ServerAliveInterval=10', '-o', 'ServerAliveCountMax=3'],
      ...['-p', '2222'],
    ]);
    for (const o of [
      'IdentityAgent=none',
      'ForwardAgent=no',
      'ClearAllForwardings=yes',
      'PermitLocalCommand=no',
    ])
      expect(args).toContain(o);
    expect(sshOptionArgs(endpoint, { portFlag: '-P' }).slice(-2)).toEqual(['-P', '2222']);
  });

  it('escapes paths for ssh and refuses what ssh would rewrite', () => {
    const args = sshOptionArgs({
      ...endpoint,
      knownHosts: '/Users/jane/Library/Application Support/Réstray x/kh',
    });
    expect(args).toContain('UserKnownHostsFile=/Users/jane/Library/Application\\ Support/Réstray\\ x/kh');
    expect(() => sshOptionArgs({ ...endpoint, sshKey: '/home/${USER}/key' })).toThrow(/SSH key path/);
    expect(() => sshOptionArgs({ ...endpoint, knownHosts: 'relative/kh' })).toThrow(/known_hosts path/);
    expect(() => sshOptionArgs({ ...endpoint, knownHosts: '/a\nb' })).toThrow(RestrayError);
  });

  it('puts the destination after the options and refuses option-like users and hosts', () => {
    expect(sshArgs(endpoint, ['true']).slice(-2)).toEqual(['restic@pi.local', 'true']);
    expect(() => sshArgs({ ...endpoint, host: '-oProxyCommand=evil' })).toThrow(RestrayError);
    expect(() => sshArgs({ ...endpoint, user: '-l' })).toThrow(/SSH user/);
    expect(() => sshArgs({ ...endpoint, host: 'pi local' })).toThrow(/host/);
    expect(sshArgs({ ...endpoint, host: 'fe80::1%eth0' }).at(-1)).toBe('restic@fe80::1%eth0');
  });
});

describe('quoting for restic (SplitShellStrings)', () => {
  const cases = [
    'plain',
    '/home/jane doe/.config/restray/key',
    'C:\\Users\\Jane Doe\\AppData\\Roaming\\restray\\key',
    'C:\\Users\\jane\\key',
    "/home/o'brien/key",
    '/home/say "hi"/key',
    'tab\there',
    'UserKnownHostsFile=/a b/known_hosts',
  ];
  it.each(cases)('round-trips %s', (arg) => {
    expect(splitLikeRestic(`ssh ${quoteForRestic(arg)} -p 22`)).toEqual(['ssh', arg, '-p', '22']);
  });

  it('rejects what restic cannot express, naming the field', () => {
    expect(() => quoteForRestic(`/a'b"c`, 'SSH key path')).toThrow(/SSH key path/);
    expect(() => quoteForRestic('C:\\keys dir\\', 'SSH key path')).toThrow(/backslash/);
    expect(() => quoteForRestic('')).toThrow(RestrayError);
    try {
      quoteForRestic(`/a'b"c`, 'SSH key path');
    } catch (e) {
      expect((e as RestrayError).kind).toBe('invalid-argument');
    }
  });

  it('builds a command string restic splits back into the exact argv', () => {
    const spaced = {
      ...endpoint,
      sshKey: '/home/jane doe/key',
      knownHosts: 'C:\\Users\\Jane Doe\\known_hosts',
    };
    const s = sshCommandString(spaced, ['sftp'], ['-s']);
    expect(splitLikeRestic(s)).toEqual(['ssh', ...sshArgs(spaced, ['sftp'], ['-s'])]);
    expect(s).toContain("'IdentityFile=/home/jane\\ doe/key'");
    expect(() => sshCommandString({ ...endpoint, sshKey: `/x'"y` })).toThrow(/SSH key path/);
  });

  it('matches restic on its own edge cases', () => {
    // From restic's shell_split_test.go behaviour: quotes are word boundaries, nothing is unescaped.
    expect(splitLikeRestic('foo "bar baz" qux')).toEqual(['foo', 'bar baz', 'qux']);
    expect(splitLikeRestic('a"b c"d')).toEqual(['a', 'b c', 'd']);
    expect(splitLikeRestic("it's x'")).toEqual(['it', 's x']);
    expect(splitLikeRestic('C:\\dir x')).toEqual(['C:', 'dir', 'x']);
    expect(() => splitLikeRestic('"open')).toThrow(/double-quoted/);
    expect(() => splitLikeRestic('  ')).toThrow(/empty/);
  });
});

describe('resticOption (restic reads -o values as CSV)', () => {
  it('leaves plain values alone and CSV-quotes values with commas or double quotes', () => {
    expect(resticOption('sftp.command', "ssh -i '/a b/k' u@h")).toBe("sftp.command=ssh -i '/a b/k' u@h");
    expect(resticOption('rclone.program', "ssh -i '/a,b/k'")).toBe(`"rclone.program=ssh -i '/a,b/k'"`);
    expect(resticOption('x', `ssh "/a b"`)).toBe(`"x=ssh ""/a b"""`);
    expect(() => resticOption('x', 'a\nb')).toThrow(RestrayError);
  });
});
