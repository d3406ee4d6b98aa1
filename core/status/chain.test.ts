import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../contract/app-state.js';
import type { PiGeneration, PiStatus } from '../../contract/pi-status.js';
import { deriveChain, knownSnapshots, offsiteSince, sameSnapshot, type ChainInput } from './chain.js';
import { chainKey } from './chain-monitor.js';
import type { StatusObservation } from './observations.js';
import { quarantineQuestion } from './quarantine-verdict.js';
import { chainAdvice, hopAdvice, safeNote, type AdviceFormat } from '../../contract/chain-advice.js';

const FMT: AdviceFormat = { when: (iso) => iso, duration: (s) => `${s} s` };

const NOW = new Date('2025-03-10T12:00:00.000Z');
const DAY = 24 * 3600;
const id = (c: string) => c.repeat(64);
const A = id('a');
const B = id('b');
const C = id('c');

function backup(snapshotId: string, startedAt: string, result: RunRecord['result'] = 'success'): RunRecord {
  return {
    id: `run-${snapshotId.slice(0, 4)}-${startedAt}`,
    kind: 'backup',
    repo: 'pi',
    plan: 'home',
    trigger: 'schedule',
    startedAt,
    endedAt: new Date(Date.parse(startedAt) + 60_000).toISOString(),
    result,
    ...(result === 'failed'
      ? { error: { kind: 'network', message: 'The connection to the Pi was lost.' } }
      : {
          backup: {
            snapshotId,
            filesNew: 1,
            filesChanged: 0,
            filesUnmodified: 0,
            dataAdded: 1,
            totalFilesProcessed: 1,
            totalBytesProcessed: 1,
          },
        }),
  } as RunRecord;
}

function generation(
  name: string,
  snapshotIds: string[],
  state: PiGeneration['state'] = 'verified',
): PiGeneration {
  const t = `${name.slice(0, 4)}-${name.slice(4, 6)}-${name.slice(6, 8)}T${name.slice(9, 11)}:${name.slice(11, 13)}:${name.slice(13, 15)}Z`;
  return { name, time: t, snapshotIds, sizeBytes: 10, newBytes: 1, fileCount: 3, state };
}

function pi(generations: PiGeneration[], over: Partial<PiStatus> = {}): PiStatus {
  return {
    schemaVersion: 1,
    updatedAt: '2025-03-10T11:00:00Z',
    host: 'offsite',
    repository: 'pi',
    lastRun: {
      start: '2025-03-10T10:59:00Z',
      end: '2025-03-10T11:00:00Z',
      result: 'ok',
      bytesTransferred: 1,
      filesVerified: 1,
      trigger: 'change',
    },
    lastSuccess: '2025-03-10T11:00:00Z',
    generations,
    verification: { checkedFiles: 0, totalFiles: 0, damaged: [] },
    guard: { state: 'ok', threshold: 0.2, configChanged: false, keysChanged: false },
    stale: false,
    ...over,
  };
}

const seen = (status: PiStatus): StatusObservation => ({
  ok: true,
  via: 'onsite',
  at: NOW.toISOString(),
  status,
});

const repo = { name: 'pi', offsiteStatusUser: 'restray-status' };

function input(over: Partial<ChainInput>): ChainInput {
  return { repo, now: NOW, lagLimitSeconds: DAY, runs: [], ...over };
}

describe('sameSnapshot', () => {
  it('matches restic 0.14 short IDs by prefix, case-insensitively, and never shorter than 8', () => {
    expect(sameSnapshot('aaaaaaaa', A)).toBe(true);
    expect(sameSnapshot(A, 'AAAAAAAA')).toBe(true);
    expect(sameSnapshot('aaaa', A)).toBe(false);
    expect(sameSnapshot('bbbbbbbb', A)).toBe(false);
  });
});

describe('knownSnapshots', () => {
  it('merges the onsite listing (full IDs, exact times) with history-only snapshots, newest first', () => {
    const runs = [
      backup('aaaaaaaa', '2025-03-09T10:00:00.000Z'),
      backup('bbbbbbbb', '2025-03-10T10:00:00.000Z'),
    ];
    const known = knownSnapshots('pi', runs, {
      ok: true,
      at: NOW.toISOString(),
      snapshots: [{ id: A, time: '2025-03-09T10:00:01.000Z' }],
    });
    expect(known).toEqual([
      { id: 'bbbbbbbb', time: '2025-03-10T10:00:00.000Z', listed: false },
      { id: A, time: '2025-03-09T10:00:01.000Z', listed: true },
    ]);
  });
});

describe('deriveChain', () => {
  it('is safe when the newest snapshot (8-char ID from restic 0.14) is in a verified generation', () => {
    const runs = [
      backup('aaaaaaaa', '2025-03-09T10:00:00.000Z'),
      backup('bbbbbbbb', '2025-03-10T10:00:00.000Z'),
    ];
    const c = deriveChain(input({ runs, offsite: seen(pi([generation('20250310T105900Z', [A, B])])) }));
    expect(c.verdict).toBe('safe');
    expect(c.workstation.newestSnapshot).toEqual({ id: 'bbbbbbbb', time: '2025-03-10T10:00:00.000Z' });
    expect(c.onsite.state).toBe('ok');
    expect(c.offsite).toMatchObject({
      state: 'ok',
      lastSuccess: '2025-03-10T11:00:00Z',
      newestConfirmed: { id: 'bbbbbbbb' },
      snapshotsBehind: 0,
    });
    expect(c.offsite.lagSeconds).toBeUndefined();
    expect(c.offsite.reason).toBe(
      'The newest snapshot is in a verified offsite generation since 2025-03-10T10:59:00Z.',
    );
    expect(c.checkedAt).toBe(NOW.toISOString());
  });

  it('is not-yet-offsite after a newer backup, lag counted from the oldest snapshot still waiting', () => {
    const runs = [
      backup('aaaaaaaa', '2025-03-08T10:00:00.000Z'),
      backup('bbbbbbbb', '2025-03-09T10:00:00.000Z'),
      backup('cccccccc', '2025-03-10T11:00:00.000Z'),
    ];
    const c = deriveChain(input({ runs, offsite: seen(pi([generation('20250308T110000Z', [A])])) }));
    expect(c.verdict).toBe('not-yet-offsite');
    expect(c.offsite.newestConfirmed?.id).toBe('aaaaaaaa');
    expect(c.offsite.snapshotsBehind).toBe(2);
    // B has waited 26 h although the newest (C) is only an hour old: beyond the 24 h limit.
    expect(c.offsite.lagSeconds).toBe(26 * 3600);
    expect(c.offsite.state).toBe('behind');
    expect(c.offsite.reason).toMatch(/2 snapshot\(s\) .* more than 24 h/);
  });

  it('stays ok (not behind) while the lag is within the limit', () => {
    const runs = [
      backup('aaaaaaaa', '2025-03-09T10:00:00.000Z'),
      backup('bbbbbbbb', '2025-03-10T11:50:00.000Z'),
    ];
    const status = pi([generation('20250309T110000Z', [A])], { nextRun: '2025-03-10T12:05:00Z' });
    const c = deriveChain(input({ runs, offsite: seen(status) }));
    expect(c.verdict).toBe('not-yet-offsite');
    expect(c.offsite).toMatchObject({ state: 'ok', lagSeconds: 600, snapshotsBehind: 1 });
    expect(c.offsite.reason).toMatch(/next sync is due at 2025-03-10T12:05:00Z/);
  });

  it('counts every snapshot as waiting when none is offsite yet', () => {
    const runs = [
      backup('aaaaaaaa', '2025-03-10T08:00:00.000Z'),
      backup('bbbbbbbb', '2025-03-10T10:00:00.000Z'),
    ];
    const c = deriveChain(input({ runs, offsite: seen(pi([])) }));
    expect(c.verdict).toBe('not-yet-offsite');
    expect(c.offsite.newestConfirmed).toBeUndefined();
    expect(c.offsite).toMatchObject({ snapshotsBehind: 2, lagSeconds: 4 * 3600 });
  });

  it('never counts a damaged generation', () => {
    const runs = [backup('aaaaaaaa', '2025-03-10T10:00:00.000Z')];
    const c = deriveChain(
      input({ runs, offsite: seen(pi([generation('20250310T110000Z', [A], 'damaged')])) }),
    );
    expect(c.verdict).toBe('not-yet-offsite');
  });

  it('reports a guard block as blocked and a failed run as failed, with the reason', () => {
    const runs = [backup('aaaaaaaa', '2025-03-10T10:00:00.000Z')];
    const blocked = deriveChain(
      input({
        runs,
        offsite: seen(
          pi([generation('20250310T110000Z', [A])], {
            guard: {
              state: 'blocked',
              reason: '60% of the packs vanished at the source.',
              threshold: 0.2,
              configChanged: false,
              keysChanged: false,
            },
          }),
        ),
      }),
    );
    expect(blocked.offsite).toMatchObject({
      state: 'blocked',
      reason: '60% of the packs vanished at the source.',
    });
    // The newest snapshot still is offsite: the verdict says so, the hop state carries the warning.
    expect(blocked.verdict).toBe('safe');
    const failed = deriveChain(
      input({
        runs,
        offsite: seen(
          pi([], {
            lastRun: {
              start: '2025-03-10T10:59:00Z',
              end: '2025-03-10T11:00:00Z',
              result: 'failed',
              phase: 'transfer',
              error: { kind: 'network', message: 'The link to the onsite Pi was cut.' },
              bytesTransferred: 0,
              filesVerified: 0,
              trigger: 'timer',
            },
          }),
        ),
      }),
    );
    expect(failed.offsite).toMatchObject({ state: 'failed', reason: 'The link to the onsite Pi was cut.' });
    expect(failed.verdict).toBe('not-yet-offsite');
  });

  it('is unknown (never safe) when the status could not be read or is invalid, with the reason', () => {
    const runs = [backup('aaaaaaaa', '2025-03-10T10:00:00.000Z')];
    const invalid = deriveChain(
      input({
        runs,
        offsite: {
          ok: false,
          via: 'onsite',
          at: NOW.toISOString(),
          problem: 'invalid',
          error: { kind: 'failed', message: 'The offsite status is not valid: guard: Invalid input.' },
        },
      }),
    );
    expect(invalid.verdict).toBe('unknown');
    expect(invalid.offsite).toEqual({
      state: 'unknown',
      reason: 'The offsite status is not valid: guard: Invalid input.',
    });
    const down = deriveChain(
      input({
        runs,
        offsite: {
          ok: false,
          via: 'onsite',
          at: NOW.toISOString(),
          problem: 'unreachable',
          error: { kind: 'network', message: 'The connection to the Pi timed out.' },
        },
      }),
    );
    expect(down.verdict).toBe('unknown');
    expect(down.offsite.state).toBe('unreachable');
    expect(down.onsite).toMatchObject({
      state: 'unreachable',
      reason: 'The connection to the Pi timed out.',
    });
    const unchecked = deriveChain(input({ runs }));
    expect(unchecked.verdict).toBe('unknown');
    expect(unchecked.offsite.reason).toMatch(/not been checked yet/);
  });

  it('is safe from the offsite Pi itself while the onsite Pi is unreachable', () => {
    const runs = [backup('aaaaaaaa', '2025-03-10T10:00:00.000Z')];
    const c = deriveChain(
      input({
        repo: {
          ...repo,
          offsite: { user: 'r', host: 'o', port: 22, sshKey: '/k', knownHosts: '/kh', path: '/srv/o' },
        },
        runs,
        onsite: {
          ok: false,
          at: NOW.toISOString(),
          error: { kind: 'network', message: 'The connection to the Pi timed out.' },
        },
        offsite: { ...seen(pi([generation('20250310T110000Z', [A])])), via: 'offsite' },
      }),
    );
    expect(c.verdict).toBe('safe');
    expect(c.onsite.state).toBe('unreachable');
    // Without a snapshot listing (no password at hand) the failed status read alone tells it.
    const noListing = deriveChain(
      input({
        runs,
        offsite: {
          ...seen(pi([generation('20250310T110000Z', [A])])),
          via: 'offsite',
          onsiteUnreachable: {
            kind: 'network',
            message: 'The Pi refused the connection (no SSH server on that port).',
          },
        },
      }),
    );
    expect(noListing.verdict).toBe('safe');
    expect(noListing.onsite).toMatchObject({
      state: 'unreachable',
      reason: expect.stringMatching(/refused the connection/),
    });
  });

  it('flags an onsite repository that lost the newest snapshot, and a failed last backup', () => {
    const runs = [
      backup('aaaaaaaa', '2025-03-09T10:00:00.000Z'),
      backup('bbbbbbbb', '2025-03-10T10:00:00.000Z'),
    ];
    const lost = deriveChain(
      input({
        runs,
        onsite: { ok: true, at: NOW.toISOString(), snapshots: [{ id: A, time: '2025-03-09T10:00:01.000Z' }] },
        offsite: seen(pi([generation('20250310T110000Z', [A])])),
      }),
    );
    expect(lost.onsite.state).toBe('failed');
    expect(lost.onsite.reason).toMatch(/no longer holds snapshot bbbbbbbb/);
    expect(lost.verdict).toBe('not-yet-offsite');
    const failedLast = deriveChain(
      input({
        runs: [...runs, backup('', '2025-03-10T11:00:00.000Z', 'failed')],
        offsite: seen(pi([generation('20250310T110000Z', [A, B])])),
      }),
    );
    expect(failedLast.workstation.lastResult).toBe('failed');
    expect(failedLast.onsite).toMatchObject({
      state: 'failed',
      reason: 'The connection to the Pi was lost.',
    });
    expect(failedLast.verdict).toBe('safe');
  });

  it('says no-backup before the first snapshot and no-offsite without an offsite Pi', () => {
    expect(deriveChain(input({})).verdict).toBe('no-backup');
    const c = deriveChain(
      input({ repo: { name: 'pi' }, runs: [backup('aaaaaaaa', '2025-03-10T10:00:00.000Z')] }),
    );
    expect(c.verdict).toBe('no-offsite');
    expect(c.offsite).toEqual({ state: 'not-configured' });
  });

  it('ignores other repositories and other job kinds', () => {
    const other = { ...backup('aaaaaaaa', '2025-03-10T10:00:00.000Z'), repo: 'usb' };
    expect(deriveChain(input({ runs: [other] })).verdict).toBe('no-backup');
  });
});

describe('offsiteSince', () => {
  it('is the time of the oldest verified generation holding the snapshot', () => {
    const s = pi([
      generation('20250310T110000Z', [A, B]),
      generation('20250309T110000Z', [A]),
      generation('20250308T110000Z', [A], 'damaged'),
    ]);
    expect(offsiteSince(s, 'aaaaaaaa')).toBe('2025-03-09T11:00:00Z');
    expect(offsiteSince(s, B)).toBe('2025-03-10T11:00:00Z');
    expect(offsiteSince(s, C)).toBeUndefined();
  });
});

describe('chainKey', () => {
  it('changes with what the UI shows, not with every second of lag', () => {
    const runs = [
      backup('aaaaaaaa', '2025-03-09T10:00:00.000Z'),
      backup('bbbbbbbb', '2025-03-10T11:00:00.000Z'),
    ];
    const status = seen(pi([generation('20250309T110000Z', [A])]));
    const at = (now: string) => deriveChain(input({ runs, now: new Date(now), offsite: status }));
    const k = (now: string) => chainKey(at(now), DAY);
    expect(k('2025-03-10T11:10:00Z')).toBe(k('2025-03-10T11:50:00Z'));
    expect(k('2025-03-10T11:10:00Z')).not.toBe(k('2025-03-10T12:10:00Z'));
    // Crossing the limit always changes the key (the tray warns then).
    expect(k('2025-03-11T10:59:00Z')).not.toBe(k('2025-03-11T11:01:00Z'));
  });
});

describe('deriveChain with files the offsite Pi set aside (quarantine)', () => {
  const runs = [backup('bbbbbbbb', '2025-03-10T10:00:00.000Z')];
  const pack = `data/dd/${'d'.repeat(64)}`;
  const asideStatus = (names: string[]) =>
    pi([{ ...generation('20250310T105900Z', [A, B]), quarantined: names }], { schemaVersion: 2 });
  const withAside = (names: string[]) => seen(asideStatus(names));
  const keyOf = (names: string[]) => quarantineQuestion(asideStatus(names), 'bbbbbbbb')!.key;

  it('a set-aside pack the newest snapshot needs: at risk, the offsite hop at fault, never safe', () => {
    const c = deriveChain(
      input({
        runs,
        offsite: withAside([pack]),
        quarantine: {
          ok: true,
          key: keyOf([pack]),
          used: [{ pack: 'd'.repeat(64), paths: ['/home/a.txt'] }],
        },
      }),
    );
    expect(c.verdict).toBe('at-risk');
    expect(c.risk).toEqual({
      cause: 'missing-offsite',
      hop: 'offsite',
      missingFiles: 1,
      paths: ['/home/a.txt'],
    });
    expect(c.offsite).toMatchObject({
      state: 'failed',
      setAside: { generation: '20250310T105900Z', files: 1, needed: 1 },
    });
    expect(c.offsite.reason).toContain(pack);
    const en = chainAdvice(c, 'en', FMT)!;
    expect(en.reason).toBe(
      'The offsite copy of your newest backup is missing data: the offsite Pi set aside 1 damaged file it needs (affected: /home/a.txt).',
    );
    expect(chainAdvice(c, 'de', FMT)!.reason).toMatch(
      /^Der externen Kopie Ihrer neuesten Sicherung fehlen Daten/,
    );
    expect(hopAdvice(c, 'offsite', 'en', FMT)).toEqual(en);
  });

  it('set-aside files the newest snapshot does not need: safe, with the note', () => {
    const names = [pack, `snapshots/${C}`];
    const c = deriveChain(
      input({ runs, offsite: withAside(names), quarantine: { ok: true, key: keyOf(names), used: [] } }),
    );
    expect(c.verdict).toBe('safe');
    expect(c.offsite).toMatchObject({ state: 'ok', setAside: { files: 2, needed: 0 } });
    expect(safeNote(c, 'en')).toBe('The offsite Pi set aside 2 unrelated files.');
    expect(safeNote(c, 'de')).toBe('Der externe Pi hat 2 nicht benötigte Dateien beiseitegelegt.');
  });

  it('not asked yet, asked about another snapshot or set, or restic failed: unknown, never safe', () => {
    for (const quarantine of [
      undefined,
      { ok: true as const, key: keyOf([`index/${C}`]), used: [] },
      { ok: false as const, key: keyOf([pack]), error: { kind: 'network' as const, message: 'no route' } },
    ]) {
      const c = deriveChain(input({ runs, offsite: withAside([pack]), quarantine }));
      expect(c.verdict).toBe('unknown');
      expect(c.offsite.state).toBe('unknown');
      expect(c.offsite.setAside).toEqual({ generation: '20250310T105900Z', files: 1 });
      expect(hopAdvice(c, 'offsite', 'en', FMT)!.reason).toMatch(
        /^The offsite Pi set aside 1 file from the copy of your newest backup; whether the backup needs it could not be checked yet/,
      );
    }
  });

  it('a rejected status is not asked about: unknown for its own reason, no set-aside finding', () => {
    const c = deriveChain(
      input({
        runs,
        offsite: withAside([pack]),
        trust: { state: 'rejected', problem: 'unsigned', reason: 'not signed' },
      }),
    );
    expect(c.verdict).toBe('unknown');
    expect(c.offsite.setAside).toBeUndefined();
  });
});
