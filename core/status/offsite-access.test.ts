import { describe, expect, it } from 'vitest';
import type { PiStatus } from '../../contract/pi-status.js';
import { splitLikeRestic } from '../ssh/ssh-options.js';
import { chooseGeneration, generationPath, offsiteRepoArgs } from './offsite-access.js';
import { statusFromBytes, statusReadFailure } from './status-reader.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const access = {
  user: 'restray-restore',
  host: 'offsite.example',
  port: 2222,
  sshKey: '/home/jane/.config/restray/ssh/pi',
  knownHosts: '/home/jane/.config/restray/ssh/offsite.known_hosts',
  path: '/srv/restray-offsite/',
};

function status(gens: { name: string; ids: string[]; state?: 'verified' | 'damaged' }[]): PiStatus {
  return {
    schemaVersion: 1,
    updatedAt: '2025-03-10T11:00:00Z',
    host: 'offsite',
    repository: 'pi',
    generations: gens.map((g) => ({
      name: g.name,
      time: '2025-03-10T11:00:00Z',
      snapshotIds: g.ids,
      sizeBytes: 1,
      newBytes: 1,
      fileCount: 1,
      state: g.state ?? 'verified',
    })),
    verification: { checkedFiles: 0, totalFiles: 0, damaged: [] },
    guard: { state: 'ok', threshold: 0.2, configChanged: false, keysChanged: false },
    stale: false,
  };
}

describe('offsite read-only access', () => {
  it('points restic at one generation over the pinned ssh options, with --no-lock', () => {
    const args = offsiteRepoArgs(access, '20250310T110000Z');
    expect(args[0]).toBe('-r');
    expect(args[1]).toBe(
      'sftp:restray-restore@offsite.example:/srv/restray-offsite/generations/20250310T110000Z',
    );
    expect(args[args.length - 1]).toBe('--no-lock');
    const command = splitLikeRestic(args[3]!.slice('sftp.command='.length));
    expect(command).toEqual(
      expect.arrayContaining([
        `IdentityFile=${access.sshKey}`,
        'BatchMode=yes',
        'StrictHostKeyChecking=yes',
        '2222',
        '-s',
      ]),
    );
    expect(command.slice(-2)).toEqual(['restray-restore@offsite.example', 'sftp']);
    expect(() => generationPath(access, '../etc')).toThrow(/not a generation name/);
    expect(generationPath({ ...access, path: '/' }, '20250310T110000Z')).toBe(
      '/generations/20250310T110000Z',
    );
  });

  it('chooses the newest undamaged generation, or the newest holding the snapshot', () => {
    const listed = ['20250308T110000Z', '20250310T110000Z', '20250309T110000Z'];
    const s = status([
      { name: '20250310T110000Z', ids: [B], state: 'damaged' },
      { name: '20250309T110000Z', ids: [B] },
      { name: '20250308T110000Z', ids: [A, B] },
    ]);
    expect(chooseGeneration(listed, undefined)).toBe('20250310T110000Z');
    expect(chooseGeneration(listed, s)).toBe('20250309T110000Z');
    expect(chooseGeneration(listed, s, { snapshot: 'aaaaaaaa' })).toBe('20250308T110000Z');
    expect(chooseGeneration(listed, s, { snapshot: 'latest' })).toBe('20250309T110000Z');
    expect(chooseGeneration(listed, s, { generation: '20250308T110000Z' })).toBe('20250308T110000Z');
    expect(() => chooseGeneration(listed, s, { generation: '20250310T110000Z' })).toThrow(/damaged/);
    expect(() => chooseGeneration(listed, s, { generation: '20240101T000000Z' })).toThrow(/no generation/);
    expect(() => chooseGeneration([], s)).toThrow(/no verified generation/);
  });
});

describe('reading the status document', () => {
  const at = '2025-03-10T12:00:00.000Z';
  it('validates against the contract and names what is wrong', () => {
    const ok = statusFromBytes(Buffer.from(JSON.stringify(status([]))), 'onsite', at);
    expect(ok.ok).toBe(true);
    // Version 3 is the signed envelope: a status body without payload and signature is not one.
    const v3 = statusFromBytes(
      Buffer.from(JSON.stringify({ ...status([]), schemaVersion: 3 })),
      'onsite',
      at,
    );
    expect(v3).toMatchObject({ ok: false, problem: 'invalid' });
    expect(!v3.ok && v3.error.message).toMatch(/payload/);
    const v99 = statusFromBytes(
      Buffer.from(JSON.stringify({ ...status([]), schemaVersion: 99 })),
      'onsite',
      at,
    );
    expect(v99).toMatchObject({ ok: false, problem: 'invalid' });
    expect(!v99.ok && v99.error.message).toMatch(/schema version 99/);
    const broken = statusFromBytes(Buffer.from('{"schemaVersion": 1, "gener'), 'onsite', at);
    expect(broken).toMatchObject({ ok: false, problem: 'invalid' });
    expect(!broken.ok && broken.error.message).toMatch(/not valid JSON/);
    const empty = statusFromBytes(Buffer.alloc(0), 'onsite', at);
    expect(empty).toMatchObject({ ok: false, problem: 'missing' });
  });

  it('classifies ssh failures without repeating what ssh printed', () => {
    expect(
      statusReadFailure('ssh: connect to host 10.0.0.9 port 22: Connection timed out', 255),
    ).toMatchObject({
      problem: 'unreachable',
      error: { kind: 'network' },
    });
    expect(statusReadFailure('rs@pi: Permission denied (publickey).', 255)).toMatchObject({
      problem: 'refused',
      error: { kind: 'permission-denied' },
    });
    const missing = statusReadFailure(
      '/bin/cat: /srv/restray/status/offsite.json: No such file or directory',
      1,
    );
    expect(missing).toMatchObject({ problem: 'missing', error: { kind: 'not-found' } });
    expect(missing.error.message).not.toMatch(/srv/);
  });
});
