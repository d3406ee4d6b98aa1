import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeMessage, messageTypeOf, parseJsonLine } from './json-lines.js';
import {
  BackupStatusMsg,
  BackupSummaryMsg,
  DiffChangeMsg,
  DiffStatisticsMsg,
  ExitErrorMsg,
  FindMsg,
  ItemErrorMsg,
  LsNodeMsg,
  LsSnapshotMsg,
  RestoreStatusMsg,
  RestoreSummaryMsg,
  SnapshotListMsg,
  StatsMsg,
} from './messages.js';
import {
  describeItemError,
  plausibleEta,
  toBackupProblem,
  toBackupProgress,
  toBackupSummary,
  toLsEntry,
  toSnapshot,
} from './normalize.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const jsonLines = (name: string) =>
  fixture(name)
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => parseJsonLine(l));

describe('backup messages, restic 0.14 (golden)', () => {
  const lines = jsonLines('backup-progress-0.14.stdout.jsonl');

  it('parses every status line and the summary', () => {
    const types = lines.map(messageTypeOf);
    expect(types.slice(0, -1).every((t) => t === 'status')).toBe(true);
    expect(types.at(-1)).toBe('summary');
    for (const l of lines.slice(0, -1)) expect(decodeMessage(BackupStatusMsg, l)).toBeDefined();
  });

  it('maps status to progress with percent, bytes, files, current file and a plausible ETA', () => {
    const first = toBackupProgress(decodeMessage(BackupStatusMsg, lines[0])!);
    expect(first).toMatchObject({ percent: 0, bytesDone: 0, bytesTotal: 400000000, filesTotal: 1 });
    expect(first.etaSeconds).toBeUndefined();
    const mid = toBackupProgress(decodeMessage(BackupStatusMsg, lines[3])!);
    expect(mid.percent).toBeCloseTo(34.375, 2);
    expect(mid.etaSeconds).toBe(3);
    expect(mid.currentFiles).toEqual(['/tmp/cap/big/r.bin']);
  });

  it('reads the 8-hex snapshot_id of the 0.14 summary', () => {
    const s = decodeMessage(BackupSummaryMsg, lines.at(-1))!;
    expect(s.snapshot_id).toBe('e2b50a7d');
    const summary = toBackupSummary(s);
    expect(summary).toMatchObject({ filesNew: 1, dataAdded: 400018231, totalBytesProcessed: 400000000 });
    expect(summary.dataAddedPacked).toBeUndefined();
  });

  it('reads 0.14 per-item errors from stderr: {} and *PathError shapes lose the text', () => {
    const errs = fixture('backup-partial-0.14.stderr.txt')
      .split('\n')
      .map(parseJsonLine)
      .filter((v) => v !== undefined)
      .map((v) => decodeMessage(ItemErrorMsg, v)!);
    expect(errs.map(toBackupProblem)).toEqual([
      { path: '/tmp/ry/src/bad.txt', during: 'archival', message: 'open: permission denied' },
      { path: '/tmp/ry/src/baddir', during: 'archival' },
      { path: '/tmp/ry/src/baddir', during: 'scan' },
    ]);
    const out = jsonLines('backup-partial-0.14.stdout.jsonl');
    expect(toBackupProgress(decodeMessage(BackupStatusMsg, out[0])!).errorCount).toBe(1);
  });
});

describe('backup messages, current restic (from the scripting docs)', () => {
  it('takes the 64-hex ID, data_added_packed and backup_start/end of 0.18', () => {
    const s = decodeMessage(BackupSummaryMsg, {
      message_type: 'summary',
      dry_run: false,
      files_new: 2,
      files_changed: 0,
      files_unmodified: 5,
      dirs_new: 1,
      dirs_changed: 0,
      dirs_unmodified: 3,
      data_blobs: 2,
      tree_blobs: 1,
      data_added: 2048,
      data_added_packed: 1024,
      total_files_processed: 7,
      total_bytes_processed: 9000,
      backup_start: '2025-03-01T10:00:00.123456789+01:00',
      backup_end: '2025-03-01T10:00:02.5+01:00',
      total_duration: 2.4,
      snapshot_id: 'a'.repeat(64),
      a_field_from_the_future: { x: 1 },
    })!;
    expect(s.snapshot_id).toHaveLength(64);
    const summary = toBackupSummary(s);
    expect(summary.dataAddedPacked).toBe(1024);
    expect(summary.backupStart).toBe('2025-03-01T09:00:00.123Z');
    expect(summary.backupEnd).toBe('2025-03-01T09:00:02.500Z');
  });

  it('ignores an absurd seconds_remaining (2^63 before scanning ends)', () => {
    const line = parseJsonLine(
      '{"message_type":"status","seconds_elapsed":2,"seconds_remaining":9223372036854775808,"percent_done":0.01,"total_files":10,"files_done":0,"total_bytes":1000,"bytes_done":10,"error_count":0,"current_files":null}',
    );
    const p = toBackupProgress(decodeMessage(BackupStatusMsg, line)!);
    expect(p.etaSeconds).toBeUndefined();
    expect(p.currentFiles).toEqual([]);
    expect(plausibleEta(2 ** 53)).toBeUndefined();
    expect(plausibleEta(-1)).toBeUndefined();
    expect(plausibleEta(120)).toBe(120);
  });

  it('reads error.message of 0.17.1+ and the exit_error of 0.18', () => {
    const e = decodeMessage(ItemErrorMsg, {
      message_type: 'error',
      error: { message: 'open /home/a/secret: permission denied' },
      during: 'archival',
      item: '/home/a/secret',
    })!;
    expect(toBackupProblem(e)).toEqual({
      path: '/home/a/secret',
      during: 'archival',
      message: 'open /home/a/secret: permission denied',
    });
    const x = decodeMessage(
      ExitErrorMsg,
      parseJsonLine(
        '{"message_type":"exit_error","code":12,"message":"Fatal: wrong password or no key found"}',
      ),
    );
    expect(x).toEqual({
      message_type: 'exit_error',
      code: 12,
      message: 'Fatal: wrong password or no key found',
    });
  });

  it('describes Windows errnos differently from POSIX ones', () => {
    expect(describeItemError({ Op: 'open', Path: 'C:\\x', Err: 32 }, 'win32')).toBe(
      'open: the file is in use by another process',
    );
    expect(describeItemError({ Op: 'lstat', Err: 99 }, 'linux')).toBe('lstat: error 99');
    expect(describeItemError({}, 'linux')).toBeUndefined();
  });
});

describe('snapshots', () => {
  it('parses the 0.14 list (tags null, no program_version)', () => {
    const list = decodeMessage(SnapshotListMsg, JSON.parse(fixture('snapshots-0.14.json')))!;
    const [a, b] = list.map(toSnapshot);
    expect(a).toMatchObject({ shortId: '3a9fa818', paths: ['/tmp/cap/src'], tags: [], hostname: 'vm' });
    expect(a!.id).toHaveLength(64);
    expect(a!.time).toBe('2026-11-22T04:27:33.600Z');
    expect(b!.parent).toBe(a!.id);
  });

  it('parses the current shape with summary and program_version', () => {
    const [s] = decodeMessage(SnapshotListMsg, [
      {
        time: '2025-01-02T03:04:05.678+02:00',
        tree: 't'.repeat(64),
        paths: ['/home/a'],
        hostname: 'ws',
        username: 'a',
        uid: 1000,
        gid: 1000,
        tags: ['restray'],
        program_version: 'restic 0.18.0',
        summary: { backup_start: '2025-01-02T03:04:05Z', files_new: 3 },
        id: 'b'.repeat(64),
        short_id: 'bbbbbbbb',
      },
    ])!.map(toSnapshot);
    expect(s).toMatchObject({
      tags: ['restray'],
      programVersion: 'restic 0.18.0',
      time: '2025-01-02T01:04:05.678Z',
    });
  });
});

describe('ls', () => {
  it('parses 0.14 lines keyed by struct_type', () => {
    const lines = jsonLines('ls-dir-0.14.jsonl');
    expect(messageTypeOf(lines[0])).toBe('snapshot');
    expect(decodeMessage(LsSnapshotMsg, lines[0])).toBeDefined();
    const nodes = lines.slice(1).map((l) => toLsEntry(decodeMessage(LsNodeMsg, l)!));
    expect(nodes.map((n) => n.path)).toEqual([
      '/tmp/cap/src/docs',
      '/tmp/cap/src/docs/a.txt',
      '/tmp/cap/src/docs/sub',
    ]);
    expect(nodes[1]).toMatchObject({ name: 'a.txt', type: 'file', size: 6, permissions: '-rw-r--r--' });
  });

  it('parses 0.17+ lines keyed by message_type (struct_type deprecated)', () => {
    const node = parseJsonLine(
      '{"name":"x.txt","type":"file","path":"/x.txt","uid":1,"gid":1,"size":3,"mode":420,"permissions":"-rw-r--r--","mtime":"2024-01-01T00:00:00Z","atime":"2024-01-01T00:00:00Z","ctime":"2024-01-01T00:00:00Z","inode":42,"message_type":"node","struct_type":"node"}',
    );
    expect(messageTypeOf(node)).toBe('node');
    expect(toLsEntry(decodeMessage(LsNodeMsg, node)!)).toEqual({
      name: 'x.txt',
      type: 'file',
      path: '/x.txt',
      size: 3,
      mtime: '2024-01-01T00:00:00.000Z',
      permissions: '-rw-r--r--',
    });
    expect(decodeMessage(LsNodeMsg, { name: 'x', type: 'file', path: '/x' })).toBeUndefined();
  });
});

describe('find, diff, stats, restore', () => {
  it('parses 0.14 find output', () => {
    const f = decodeMessage(FindMsg, JSON.parse(fixture('find-0.14.json')))!;
    expect(f.length).toBeGreaterThan(0);
    expect(f[0]!.matches![0]).toMatchObject({ path: '/tmp/cap/src/docs/a.txt', type: 'file', size: 6 });
  });

  it('parses 0.14 diff lines', () => {
    const lines = jsonLines('diff-0.14.jsonl');
    const changes = lines.slice(0, -1).map((l) => decodeMessage(DiffChangeMsg, l)!);
    expect(changes.map((c) => c.modifier)).toEqual(['+', '-', 'M']);
    const s = decodeMessage(DiffStatisticsMsg, lines.at(-1))!;
    expect(s).toMatchObject({ source_snapshot: '3a9fa818', target_snapshot: 'ae2d3c7a', changed_files: 1 });
  });

  it('parses stats of 0.14 and the compression fields of newer versions', () => {
    expect(decodeMessage(StatsMsg, JSON.parse(fixture('stats-raw-data-0.14.json')))).toMatchObject({
      total_blob_count: 25,
      snapshots_count: 2,
    });
    expect(
      decodeMessage(StatsMsg, {
        total_size: 10,
        total_uncompressed_size: 20,
        compression_ratio: 2,
        snapshots_count: 1,
      }),
    ).toMatchObject({ total_file_count: 0, compression_ratio: 2 });
  });

  it('parses restore progress and summary of 0.16+', () => {
    expect(
      decodeMessage(RestoreStatusMsg, {
        message_type: 'status',
        seconds_elapsed: 1,
        percent_done: 0.5,
        total_files: 4,
        files_restored: 2,
        total_bytes: 100,
        bytes_restored: 50,
      }),
    ).toBeDefined();
    expect(
      decodeMessage(RestoreSummaryMsg, { message_type: 'summary', files_restored: 4, bytes_restored: 100 }),
    ).toMatchObject({ files_restored: 4 });
  });
});
