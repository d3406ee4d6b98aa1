import { describe, expect, it } from 'vitest';
import {
  classifySetAside,
  decideQuarantine,
  type QuarantineAnswer,
  type QuarantineQuestion,
} from './quarantine-verdict.js';

const id = (c: string) => c.repeat(64);
const SNAP = id('a');

function question(names: string[]): QuarantineQuestion {
  const files = names.map(classifySetAside);
  return {
    generation: '20250310T110000Z',
    snapshotId: SNAP,
    files,
    packs: files.flatMap((f) => (f.kind === 'pack' && f.id ? [f.id] : [])),
    key: 'k1',
  };
}

describe('classifySetAside: what a set-aside repository path is', () => {
  it('knows packs (with and without the two-character folder), snapshots, index, keys and config', () => {
    expect(classifySetAside(`data/dd/${id('d')}`)).toEqual({
      name: `data/dd/${id('d')}`,
      kind: 'pack',
      id: id('d'),
    });
    expect(classifySetAside(`data/${id('d')}`).kind).toBe('pack');
    expect(classifySetAside(`snapshots/${id('e')}`).kind).toBe('snapshot');
    expect(classifySetAside(`index/${id('e')}`).kind).toBe('index');
    expect(classifySetAside(`keys/${id('e')}`).kind).toBe('key');
    expect(classifySetAside('config').kind).toBe('config');
  });
  it('anything else is "other" (restic ignores it): wrong folder, bad name, a pack in the wrong subfolder', () => {
    expect(classifySetAside(`data/ab/${id('d')}`).kind).toBe('other');
    expect(classifySetAside('data/dd/tmp-123').kind).toBe('other');
    expect(classifySetAside(`locks/${id('d')}`).kind).toBe('other');
    expect(classifySetAside(`../data/dd/${id('d')}`).kind).toBe('other');
  });
  it('names a forged status could carry never reach restic as arguments: only 64-hex pack IDs do', () => {
    const q = question([
      'data/--password-command=sh',
      'data/-r',
      `data/dd/${id('d')} --no-lock`,
      'data/dd/DD',
    ]);
    expect(q.packs).toEqual([]);
    expect(q.files.map((f) => f.kind)).toEqual(['other', 'other', 'other', 'other']);
  });
});

describe('decideQuarantine: does the newest snapshot need what the offsite Pi set aside', () => {
  const pack = `data/dd/${id('d')}`;
  const other = `data/ee/${id('e')}`;
  const ok = (used: Extract<QuarantineAnswer, { ok: true }>['used']): QuarantineAnswer => ({
    ok: true,
    key: 'k1',
    used,
  });

  it('a pack the snapshot uses is needed, with the paths restic named', () => {
    const f = decideQuarantine(question([pack, other]), ok([{ pack: id('d'), paths: ['/home/a.txt'] }]));
    expect(f).toMatchObject({ files: 2, needed: 1, neededNames: [pack], paths: ['/home/a.txt'] });
  });
  it('packs the snapshot does not use (or no index knows) are not needed', () => {
    expect(decideQuarantine(question([pack, other]), ok([]))).toMatchObject({ files: 2, needed: 0 });
  });
  it('no answer, an answer to another question, or a failed one: not known (never "not needed")', () => {
    const q = question([pack]);
    expect(decideQuarantine(q, undefined).needed).toBeUndefined();
    expect(decideQuarantine(q, { ok: true, key: 'other', used: [] }).needed).toBeUndefined();
    const failed = decideQuarantine(q, {
      ok: false,
      key: 'k1',
      error: { kind: 'network', message: 'no route' },
    });
    expect(failed.needed).toBeUndefined();
    expect(failed.error?.message).toBe('no route');
  });
  it("the snapshot's own file is needed, another snapshot's is not; no restic call is needed for them", () => {
    expect(decideQuarantine(question([`snapshots/${SNAP}`]), undefined)).toMatchObject({ needed: 1 });
    expect(decideQuarantine(question([`snapshots/${id('b')}`]), undefined)).toMatchObject({ needed: 0 });
  });
  it('index, key and config files count as needed (restic cannot find the blobs or open the copy without them)', () => {
    for (const n of [`index/${id('c')}`, `keys/${id('c')}`, 'config'])
      expect(decideQuarantine(question([n]), undefined)).toMatchObject({ needed: 1, neededNames: [n] });
  });
  it('names restic ignores are unrelated', () => {
    expect(decideQuarantine(question(['data/dd/not-hex', `locks/${id('c')}`]), undefined)).toMatchObject({
      files: 2,
      needed: 0,
    });
  });
});
