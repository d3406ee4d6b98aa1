import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseResticVersion, resticAtLeast } from './version.js';

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
