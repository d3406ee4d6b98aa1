import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { offsitePaths } from './store.js';
import { generationFileNames, updateRemovedLedger } from './removed-ledger.js';

const id = (c: string) => c.repeat(64);
const pack = (c: string) => `data/${c}${c}/${id(c)}`;

describe('updateRemovedLedger', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const store = (gens: Record<string, string[]>) => {
    const root = mkdtempSync(join(tmpdir(), 'removed-ledger-'));
    dirs.push(root);
    const p = offsitePaths(root);
    mkdirSync(p.state, { recursive: true });
    for (const [name, files] of Object.entries(gens))
      for (const f of ['config', ...files]) {
        const path = join(p.generations, name, f);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, 'x');
      }
    return p;
  };

  it('records what each generation held that the next did not, once per pair, and forgets expired entries', () => {
    const p = store({
      '20250101T000000Z': [pack('a'), pack('b'), `snapshots/${id('1')}`],
      '20250102T000000Z': [pack('b'), pack('c'), `snapshots/${id('2')}`],
      '20250103T000000Z': [pack('c'), `snapshots/${id('2')}`],
    });
    expect(generationFileNames(join(p.generations, '20250101T000000Z'))).toEqual(
      new Set([pack('a'), pack('b'), `snapshots/${id('1')}`]),
    );
    const l = updateRemovedLedger(p, 30, new Date('2025-01-03T01:00:00Z'));
    expect(l.compared).toEqual(['20250101T000000Z', '20250102T000000Z']);
    expect(l.removed).toEqual(
      expect.arrayContaining([
        { path: pack('a'), lastIn: '20250101T000000Z', goneAt: '2025-01-02T00:00:00.000Z' },
        { path: `snapshots/${id('1')}`, lastIn: '20250101T000000Z', goneAt: '2025-01-02T00:00:00.000Z' },
        { path: pack('b'), lastIn: '20250102T000000Z', goneAt: '2025-01-03T00:00:00.000Z' },
      ]),
    );
    expect(l.removed).toHaveLength(3);
    // Compared pairs are not compared again (a later walk of an unchanged store adds nothing).
    const again = updateRemovedLedger(p, 30, new Date('2025-01-03T02:00:00Z'));
    expect(again.removed).toHaveLength(3);
    // 30 days after the first removal, its entries are gone; the later one stays a day longer.
    const later = updateRemovedLedger(p, 30, new Date('2025-02-01T12:00:00Z'));
    expect(later.removed.map((r) => r.path)).toEqual([pack('b')]);
    expect(JSON.parse(readFileSync(join(p.state, 'removed.json'), 'utf8'))).toEqual(later);
  });
});
