import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { LsEntry } from '../../contract/restic.js';
import { decodeMessage, parseJsonLine } from './json-lines.js';
import { lsNodeOf, lsStream, type LsNode } from './ls-stream.js';
import { LsNodeMsg } from './messages.js';
import type { ResticContext } from './runner.js';

const fake = fileURLToPath(new URL('./fixtures/fake-restic-ls.mjs', import.meta.url));
const ctx: ResticContext = { binary: process.execPath, repoArgs: [fake], password: 'pw' };
const golden = readFileSync(new URL('./fixtures/ls-full-0.14.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.length > 0)
  .map((l) => parseJsonLine(l));

describe('lsNodeOf', () => {
  it('accepts exactly the node lines LsNodeMsg accepts, for the fields it hands on', () => {
    const v17 = parseJsonLine(
      '{"name":"x.txt","type":"file","path":"/x.txt","uid":1,"gid":1,"size":3,"mode":420,"permissions":"-rw-r--r--","mtime":"2024-01-01T00:00:00Z","inode":42,"message_type":"node","struct_type":"node"}',
    );
    const valid = [...golden, v17];
    const invalid = [
      { name: 'x', type: 'file', path: '/x' }, // no message or struct type
      { name: 'x', type: 'file', path: '/x', struct_type: 'snapshot' },
      { name: 1, type: 'file', path: '/x', struct_type: 'node' },
      { name: 'x', type: 'file', struct_type: 'node' },
      { name: 'x', type: null, path: '/x', message_type: 'node' },
      { name: 'x', type: 'file', path: '/x', size: '3', struct_type: 'node' },
      { name: 'x', type: 'file', path: '/x', mtime: 0, struct_type: 'node' },
      { name: 'x', type: 'file', path: '/x', permissions: 420, struct_type: 'node' },
      null,
      'node',
    ];
    for (const v of [...valid, ...invalid]) {
      expect(lsNodeOf(v) !== undefined, JSON.stringify(v)).toBe(decodeMessage(LsNodeMsg, v) !== undefined);
    }
    expect(lsNodeOf(v17)).toBe(v17);
  });
});

describe('lsStream', () => {
  it('streams every node, raw to onNode and normalised to onEntry, and returns the snapshot', async () => {
    const nodes: LsNode[] = [];
    const entries: LsEntry[] = [];
    const r = await lsStream(ctx, {
      snapshot: '3a9fa818',
      onNode: (n) => nodes.push(n),
      onEntry: (e) => entries.push(e),
    });
    expect(r.count).toBe(9);
    expect(r.snapshot.shortId).toBe('3a9fa818');
    expect(nodes.map((n) => n.path)).toEqual(entries.map((e) => e.path));
    expect(nodes[3]).toMatchObject({
      name: 'big.bin',
      size: 20000000,
      mtime: '2026-11-22T04:27:33.585821303Z',
    });
    expect(entries[3]).toEqual({
      name: 'big.bin',
      type: 'file',
      path: '/tmp/cap/src/big.bin',
      size: 20000000,
      mtime: '2026-11-22T04:27:33.585Z',
      permissions: '-rw-r--r--',
    });
  });

  it('stops restic and rethrows when a callback throws', async () => {
    await expect(
      lsStream(ctx, {
        snapshot: '3a9fa818',
        onNode: () => {
          throw new Error('full');
        },
      }),
    ).rejects.toThrow('full');
  });
});
