import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultRestoreFolder, keepBothName, placeRestored } from './restore-placement.js';

function setup() {
  const root = mkdtempSync(join(tmpdir(), 'restray-place-'));
  const dest = join(root, 'home', 'ada');
  const staging = join(root, 'staging');
  mkdirSync(dest, { recursive: true });
  writeFileSync(join(dest, 'report.pdf'), 'current');
  const staged = join(staging, dest);
  mkdirSync(join(staged, 'new-dir'), { recursive: true });
  writeFileSync(join(staged, 'report.pdf'), 'from backup');
  writeFileSync(join(staged, 'new-dir', 'n.txt'), 'new');
  return { dest, staging };
}

const now = new Date('2026-11-22T10:00:00Z');

describe('placeRestored', () => {
  it('overwrites existing files when asked', async () => {
    const { dest, staging } = setup();
    const r = await placeRestored(staging, 'overwrite', now);
    expect(readFileSync(join(dest, 'report.pdf'), 'utf8')).toBe('from backup');
    expect(readFileSync(join(dest, 'new-dir', 'n.txt'), 'utf8')).toBe('new');
    expect(r).toMatchObject({ filesRestored: 2, filesSkipped: 0 });
    expect(existsSync(staging)).toBe(false);
  });

  it('skips existing files when asked', async () => {
    const { dest, staging } = setup();
    const r = await placeRestored(staging, 'skip', now);
    expect(readFileSync(join(dest, 'report.pdf'), 'utf8')).toBe('current');
    expect(r).toMatchObject({ filesRestored: 1, filesSkipped: 1 });
  });

  it('keeps both under a dated name', async () => {
    const { dest, staging } = setup();
    const r = await placeRestored(staging, 'keepBoth', now);
    expect(readFileSync(join(dest, 'report.pdf'), 'utf8')).toBe('current');
    expect(readFileSync(join(dest, 'report (restored 2026-11-22).pdf'), 'utf8')).toBe('from backup');
    expect(r.renamed).toEqual([join(dest, 'report (restored 2026-11-22).pdf')]);
    expect(await keepBothName(join(dest, 'report.pdf'), now)).toBe(
      join(dest, 'report (restored 2026-11-22 2).pdf'),
    );
  });

  it('places names that are not valid UTF-8 byte for byte, in every conflict mode', async () => {
    for (const conflict of ['overwrite', 'skip', 'keepBoth'] as const) {
      const { dest, staging } = setup();
      const raw = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x74, 0x78, 0x74]); // "café.txt" in Latin-1
      const inDir = (dir: string, name: Buffer) => Buffer.concat([Buffer.from(`${dir}/`), name]);
      const rawDir = Buffer.from([0x6f, 0x72, 0x64, 0x6e, 0x65, 0x72, 0xfc]); // "ordnerü" in Latin-1
      mkdirSync(inDir(join(staging, dest), rawDir));
      writeFileSync(inDir(join(staging, dest), raw), 'from backup');
      writeFileSync(Buffer.concat([inDir(join(staging, dest), rawDir), Buffer.from('/x'), raw]), 'deep');
      writeFileSync(inDir(dest, raw), 'current');
      const r = await placeRestored(staging, conflict, now);
      const names = readdirSync(dest, { encoding: 'buffer' });
      expect(names.some((n) => n.equals(raw))).toBe(true);
      expect(readFileSync(Buffer.concat([inDir(dest, rawDir), Buffer.from('/x'), raw]), 'utf8')).toBe('deep');
      const current = readFileSync(inDir(dest, raw), 'utf8');
      expect(current).toBe(conflict === 'overwrite' ? 'from backup' : 'current');
      if (conflict === 'keepBoth') {
        const alt = Buffer.concat([
          raw.subarray(0, 4),
          Buffer.from(' (restored 2026-11-22)'),
          raw.subarray(4),
        ]);
        expect(readFileSync(inDir(dest, alt), 'utf8')).toBe('from backup');
        expect(r.renamed).toHaveLength(2); // with setup()'s report.pdf
      }
      expect(r.filesSkipped).toBe(conflict === 'skip' ? 2 : 0);
      expect(existsSync(staging)).toBe(false);
    }
  });

  it('names the default restore folder by date and time', () => {
    expect(defaultRestoreFolder('/home/ada', new Date(2026, 10, 22, 9, 5))).toBe(
      '/home/ada/Restored/2026-11-22 09-05',
    );
  });
});
