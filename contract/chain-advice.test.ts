import { describe, expect, it } from 'vitest';
import type { ChainStatus, HopState } from './app-state.js';
import { chainAdvice, hopAdvice, riskAdvice, workstationState, type AdviceFormat } from './chain-advice.js';

const fmt: AdviceFormat = { when: (iso) => iso.slice(11, 16), duration: (s) => `${s / 3600} h` };
const base: ChainStatus = {
  repo: 'pi',
  verdict: 'safe',
  workstation: { lastSuccess: '2026-03-10T09:00:00.000Z', lastResult: 'success' },
  onsite: { state: 'ok' },
  offsite: { state: 'ok' },
};
const NON_OK: HopState[] = ['behind', 'failed', 'blocked', 'unreachable', 'unknown'];

describe('chain advice', () => {
  it('says nothing about ok or absent hops', () => {
    for (const hop of ['workstation', 'onsite', 'offsite'] as const)
      expect(hopAdvice(base, hop, 'en', fmt)).toBeUndefined();
    expect(
      hopAdvice({ ...base, offsite: { state: 'not-configured' } }, 'offsite', 'de', fmt),
    ).toBeUndefined();
    expect(chainAdvice(base, 'en', fmt)).toBeUndefined();
  });

  it('gives every non-ok state of both Pis a reason and a next step, different in English and German', () => {
    for (const hop of ['onsite', 'offsite'] as const)
      for (const state of NON_OK) {
        const chain = { ...base, [hop]: { state, reason: 'raw detail.' } } as ChainStatus;
        const en = hopAdvice(chain, hop, 'en', fmt);
        const de = hopAdvice(chain, hop, 'de', fmt);
        expect(en?.reason, `${hop} ${state}`).toBeTruthy();
        expect(en?.next, `${hop} ${state}`).toBeTruthy();
        expect(de?.reason).not.toBe(en?.reason);
        expect(de?.next).not.toBe(en?.next);
      }
  });

  it('blocked: what to check first, then the exact approve command', () => {
    const chain: ChainStatus = {
      ...base,
      offsite: { state: 'blocked', reason: '40% of the packs vanished.' },
    };
    const en = hopAdvice(chain, 'offsite', 'en', fmt)!;
    expect(en.reason).toBe(
      'The offsite Pi stopped copying: the onsite repository changed suspiciously (40% of the packs vanished).',
    );
    expect(en.next).toMatch(/^First check on the onsite Pi .* only then run `sudo restray-pi approve`/);
    expect(hopAdvice(chain, 'offsite', 'de', fmt)!.next).toMatch(
      /^Prüfen Sie zuerst .* erst dann auf dem externen Pi `sudo restray-pi approve`/,
    );
    // Blocked speaks before an onsite problem.
    expect(chainAdvice({ ...chain, onsite: { state: 'unreachable' } }, 'en', fmt)).toEqual(en);
  });

  it('at risk: since when, why, and the fix for the error kind; the blamed hop speaks with the same words', () => {
    const chain: ChainStatus = {
      ...base,
      verdict: 'at-risk',
      onsite: { state: 'failed', reason: 'no space left on device' },
      risk: {
        plan: 'home',
        cause: 'failed',
        hop: 'onsite',
        since: '2026-03-10T09:47:00.000Z',
        error: { kind: 'no-space', message: 'no space left on device' },
        failures: 3,
      },
    };
    const en = chainAdvice(chain, 'en', fmt)!;
    expect(en.reason).toBe('Backups of “home” have failed since 09:47: the backup disk is full.');
    expect(en.next).toMatch(/^Free space where the backups are stored/);
    expect(hopAdvice(chain, 'onsite', 'en', fmt)).toEqual(en);
    // The Pi is at fault: this computer's card stays quiet.
    const failedRun = { ...chain, workstation: { ...chain.workstation, lastResult: 'failed' as const } };
    expect(workstationState(failedRun)).toBe('ok');
    expect(hopAdvice(failedRun, 'workstation', 'en', fmt)).toBeUndefined();
    expect(chainAdvice(chain, 'de', fmt)!.reason).toBe(
      'Sicherungen von „home“ schlagen seit 09:47 fehl: der Sicherungsspeicher ist voll.',
    );
    // An error kind without its own words shows restic's message.
    expect(
      riskAdvice({ ...chain.risk!, error: { kind: 'failed', message: 'Fatal: oops.' } }, 'en', fmt).reason,
    ).toBe('Backups of “home” have failed since 09:47: Fatal: oops.');
  });

  it('too old: with and without a schedule; the workstation card says behind', () => {
    const risk = {
      plan: 'home',
      cause: 'too-old' as const,
      hop: 'workstation' as const,
      ageSeconds: 5 * 3600,
      limitSeconds: 2 * 3600,
    };
    expect(riskAdvice({ ...risk, scheduled: true }, 'en', fmt).reason).toBe(
      'The newest backup of “home” is 5 h old; its schedule allows 2 h.',
    );
    expect(riskAdvice({ ...risk, scheduled: false }, 'de', fmt).next).toBe(
      'Sichern Sie jetzt oder geben Sie dem Plan einen Zeitplan.',
    );
    const chain: ChainStatus = { ...base, verdict: 'at-risk', risk: { ...risk, scheduled: true } };
    expect(workstationState(chain)).toBe('behind');
    expect(hopAdvice(chain, 'workstation', 'en', fmt)?.reason).toMatch(/is 5 h old/);
  });
});
