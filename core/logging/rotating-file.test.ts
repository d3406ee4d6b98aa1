import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendRotated } from './rotating-file.js';

const limits = { maxBytes: 100, files: 3 };

function fresh(): string {
  return join(mkdtempSync(join(tmpdir(), 'restray-rotate-')), 'restray.log');
}

describe('appendRotated', () => {
  it('rotates before a line would pass the limit and keeps only `files` files', () => {
    const file = fresh();
    const line = (i: number) => `${String(i).padStart(2, '0')} ${'x'.repeat(36)}\n`; // 40 bytes
    for (let i = 0; i < 10; i++) expect(appendRotated(file, line(i), limits)).toBe(true);
    // 2 lines per file (a third would make 120 > 100): 8,9 live; 6,7 in .1; 4,5 in .2; older dropped.
    expect(readFileSync(file, 'utf8')).toBe(line(8) + line(9));
    expect(readFileSync(`${file}.1`, 'utf8')).toBe(line(6) + line(7));
    expect(readFileSync(`${file}.2`, 'utf8')).toBe(line(4) + line(5));
    expect(existsSync(`${file}.3`)).toBe(false);
    for (const f of [file, `${file}.1`, `${file}.2`]) expect(statSync(f).size).toBeLessThanOrEqual(100);
  });

  it('never splits a line larger than the limit: it gets a file of its own', () => {
    const file = fresh();
    appendRotated(file, 'small\n', limits);
    const big = `${'y'.repeat(300)}\n`;
    appendRotated(file, big, limits);
    expect(readFileSync(file, 'utf8')).toBe(big);
    expect(readFileSync(`${file}.1`, 'utf8')).toBe('small\n');
  });

  it('keeps the files private (0600)', () => {
    if (process.platform === 'win32') return;
    const file = fresh();
    appendRotated(file, 'a\n', limits);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('never throws when the folder is missing or read-only; it reports false', () => {
    expect(appendRotated(join(tmpdir(), 'restray-no-such-dir', 'x', 'restray.log'), 'a\n', limits)).toBe(
      false,
    );
    if (process.getuid?.() === 0) return; // root writes anyway
    const file = fresh();
    appendRotated(file, `${'z'.repeat(90)}\n`, limits);
    chmodSync(join(file, '..'), 0o500);
    try {
      expect(appendRotated(file, `${'z'.repeat(90)}\n`, limits)).toBe(false);
    } finally {
      chmodSync(join(file, '..'), 0o700);
    }
  });
});
