import { describe, expect, it } from 'vitest';
import { parentOf, snapshotArg, snapshotPath } from './args.js';
import { validReadDataSubset } from './check.js';
import { retentionArgs, toForgetGroup } from './forget.js';
import { checkNewPassword } from './key-passwd.js';
import { parseResticVersion, resticAtLeast } from './version.js';
import { readFileSync } from 'node:fs';
import { decodeMessage } from './json-lines.js';
import { ForgetMsg } from './messages.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('arguments', () => {
  it('accepts snapshot IDs and latest, refuses anything flag-like', () => {
    expect(snapshotArg('latest')).toBe('latest');
    expect(snapshotArg('3a9fa818')).toBe('3a9fa818');
    expect(() => snapshotArg('--remove-all')).toThrow(expect.objectContaining({ kind: 'invalid-argument' }));
    expect(() => snapshotArg('')).toThrow();
  });

  it('normalises snapshot paths', () => {
    expect(snapshotPath('/home/a/')).toBe('/home/a');
    expect(snapshotPath('/')).toBe('/');
    expect(snapshotPath('//')).toBe('/');
    expect(() => snapshotPath('home')).toThrow(expect.objectContaining({ kind: 'invalid-argument' }));
    expect(parentOf('/home/a')).toBe('/home');
    expect(parentOf('/home')).toBe('/');
  });

  it('validates --read-data-subset', () => {
    for (const ok of ['1/5', '5/5', '10%', '2.5%', '100%', '500M', '1G', '4096'])
      expect(validReadDataSubset(ok)).toBe(true);
    for (const bad of ['0/5', '6/5', '0%', '101%', '-1', 'all', '5M; rm', ''])
      expect(validReadDataSubset(bad)).toBe(false);
  });

  it('refuses new passwords restic would trim', () => {
    expect(() => checkNewPassword('')).toThrow();
    expect(() => checkNewPassword(' x')).toThrow();
    expect(() => checkNewPassword('x\n')).toThrow();
    expect(() => checkNewPassword('a\nb')).toThrow();
    expect(() => checkNewPassword('good one')).not.toThrow();
  });
});

describe('retention', () => {
  it('maps a policy to restic flags and leaves out zero counts', () => {
    expect(retentionArgs({ keepLast: 3, keepDaily: 7, keepWeekly: 0, keepWithin: '1y2m' })).toEqual([
      '--keep-last',
      '3',
      '--keep-daily',
      '7',
      '--keep-within',
      '1y2m',
    ]);
    expect(() => retentionArgs({ keepLast: 0 })).toThrow(
      expect.objectContaining({ kind: 'invalid-argument' }),
    );
    expect(() => retentionArgs({})).toThrow();
  });

  it('attaches reasons to kept snapshots: by time and tree on 0.14 (no id in reasons)', () => {
    const groups = decodeMessage(ForgetMsg, JSON.parse(fixture('forget-dry-run-0.14.json')))!.map(
      toForgetGroup,
    );
    expect(groups).toHaveLength(1);
    const g = groups[0]!;
    expect(g.tags).toEqual([]);
    expect(g.remove).toEqual([]);
    expect(g.keep.map((k) => k.reasons)).toEqual([['within 1d', 'last snapshot'], ['within 1d']]);
    const last = decodeMessage(ForgetMsg, JSON.parse(fixture('forget-keep-last-0.14.json')))!.map(
      toForgetGroup,
    )[0]!;
    expect(last.keep).toHaveLength(1);
    expect(last.remove.map((s) => s.shortId)).toEqual(['3a9fa818']);
  });

  it('attaches reasons by id in the current shape', () => {
    const snap = (id: string, time: string) => ({
      id,
      short_id: id.slice(0, 8),
      time,
      tree: 't',
      paths: ['/a'],
      hostname: 'h',
    });
    const g = toForgetGroup(
      decodeMessage(ForgetMsg, [
        {
          tags: [],
          host: 'h',
          paths: ['/a'],
          keep: [snap('1'.repeat(64), '2025-01-02T00:00:00Z')],
          remove: [snap('2'.repeat(64), '2025-01-01T00:00:00Z')],
          reasons: [
            {
              snapshot: snap('1'.repeat(64), '2025-01-02T00:00:00Z'),
              matches: ['daily snapshot'],
              counters: { daily: 6 },
            },
          ],
        },
      ])![0]!,
    );
    expect(g.keep[0]!.reasons).toEqual(['daily snapshot']);
    expect(g.remove[0]!.id).toBe('2'.repeat(64));
  });
});

describe('version', () => {
  it('parses 0.14 text, dev builds and the JSON of 0.17+', () => {
    expect(parseResticVersion(fixture('version-0.14.txt'))).toEqual({
      version: '0.14.0',
      major: 0,
      minor: 14,
      patch: 0,
    });
    expect(
      parseResticVersion('restic 0.17.0-dev (compiled manually) compiled with go1.22 on linux/amd64')?.minor,
    ).toBe(17);
    expect(
      parseResticVersion(
        '{"message_type":"version","version":"0.18.1","go_version":"go1.24.4","go_os":"linux","go_arch":"arm64"}',
      ),
    ).toMatchObject({ major: 0, minor: 18, patch: 1 });
    expect(parseResticVersion('bash: restic: command not found')).toBeUndefined();
  });

  it('compares versions', () => {
    const v = { version: '0.14.0', major: 0, minor: 14, patch: 0 };
    expect(resticAtLeast(v, 0, 14)).toBe(true);
    expect(resticAtLeast(v, 0, 16)).toBe(false);
    expect(resticAtLeast({ version: '1.0.0', major: 1, minor: 0, patch: 0 }, 0, 16)).toBe(true);
    expect(resticAtLeast({ version: '0.13.9', major: 0, minor: 13, patch: 9 }, 0, 14)).toBe(false);
  });
});
