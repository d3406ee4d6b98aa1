import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resticBinary } from '../../test/restic/restic-lab.js';
import {
  detectResticVersion,
  featuresOf,
  parseResticVersion,
  resticAtLeast,
  resticFeatures,
} from './version.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

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

describe('features by version', () => {
  const v = (minor: number, patch = 0) => ({ version: `0.${minor}.${patch}`, major: 0, minor, patch });

  it('0.14 (and an unknown version) uses nothing newer; each feature from the version that has it', () => {
    const none = { retryLock: false, skipIfUnchanged: false, jsonExitErrors: false };
    expect(resticFeatures(undefined)).toEqual(none);
    expect(resticFeatures(v(14))).toEqual(none);
    expect(resticFeatures(v(15, 1))).toEqual(none);
    expect(resticFeatures(v(16))).toEqual({ ...none, retryLock: true });
    expect(resticFeatures(v(17))).toEqual({ retryLock: true, skipIfUnchanged: true, jsonExitErrors: false });
    expect(resticFeatures(v(18))).toEqual({ retryLock: true, skipIfUnchanged: true, jsonExitErrors: true });
    expect(resticFeatures({ version: '1.0.0', major: 1, minor: 0, patch: 0 }).skipIfUnchanged).toBe(true);
  });

  it('asks the real restic once per process and binary', async () => {
    const a = detectResticVersion(resticBinary);
    expect(detectResticVersion(resticBinary)).toBe(a);
    expect((await a)?.minor).toBeGreaterThanOrEqual(14);
    expect(await featuresOf({ binary: resticBinary })).toEqual(resticFeatures(await a));
    // A known version is used as it is (no restic call).
    expect(await featuresOf({ binary: '/nonexistent/restic', version: v(17) })).toMatchObject({
      skipIfUnchanged: true,
    });
  });

  it('a binary that cannot run gives 0.14 features, not an error (the real call reports it)', async () => {
    expect(await detectResticVersion('/nonexistent/restic')).toBeUndefined();
    expect((await featuresOf({ binary: '/nonexistent/restic' })).retryLock).toBe(false);
  });
});
