import { describe, expect, it } from 'vitest';
import { classify, fileId, parseFindListing, parseListing } from './repo-files.js';

const id = 'ab'.padEnd(64, '0');

describe('repository files', () => {
  it('classifies only names restic reads', () => {
    expect(classify('config')).toBe('config');
    expect(classify(`data/ab/${id}`)).toBe('data');
    expect(classify(`data/cd/${id}`)).toBe('other'); // wrong fan-out dir
    expect(classify(`index/${id}`)).toBe('index');
    expect(classify(`snapshots/${id}`)).toBe('snapshots');
    expect(classify(`keys/${id}`)).toBe('keys');
    expect(classify(`locks/${id}`)).toBe('locks');
    expect(classify(`index/${id}.tmp`)).toBe('other');
    expect(classify(`data/ab/.rsync-partial/${id}`)).toBe('other');
    expect(fileId(`index/${id}`)).toBe(id);
    expect(fileId('config')).toBeUndefined();
  });

  it('parses rsync --list-only output (UTC times, plain sizes), skipping directories', () => {
    const text = [
      'drwxr-x---           4096 2025/03/01 03:15:07 .',
      '-r--r--r--            155 2025/03/01 03:15:07 config',
      'drwxr-x---           4096 2025/03/01 03:15:07 data',
      `-rw-r--r--        4194304 2025/03/02 10:00:00 data/ab/${id}`,
      'lrwxrwxrwx             11 2025/03/01 03:15:07 link',
    ].join('\n');
    expect(parseListing(text)).toEqual([
      { path: 'config', size: 155, mtime: Date.UTC(2025, 2, 1, 3, 15, 7) / 1000 },
      { path: `data/ab/${id}`, size: 4194304, mtime: Date.UTC(2025, 2, 2, 10) / 1000 },
    ]);
    expect(parseListing(`-rw-r--r--   5 2025/03/02 10:00:00 ab/${id}`, 'data/')[0]!.path).toBe(
      `data/ab/${id}`,
    );
  });

  it('parses the find listing (NUL-terminated records, fractional times cut to seconds)', () => {
    const text = [
      `4194304 1740909600.1234567890 data/ab/${id}`,
      '155 1740798907.0000000000 config',
      'junk',
      '',
    ].join('\0');
    expect(parseFindListing(text)).toEqual([
      { path: `data/ab/${id}`, size: 4194304, mtime: 1740909600 },
      { path: 'config', size: 155, mtime: 1740798907 },
    ]);
    // A name with a line break stays one record.
    expect(parseFindListing('5 1 index/a\nb\0')).toEqual([{ path: 'index/a\nb', size: 5, mtime: 1 }]);
  });
});
