import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parsePiStatus, PI_STATUS_ENVELOPE_VERSION, type PiStatus } from '../../contract/pi-status.js';
import type { StatusObservation } from './observations.js';
import { statusFromBytes } from './status-reader.js';
import { assessStatus, checkStatus, statusKeyFingerprint, type TrustInput } from './status-trust.js';

const NOW = new Date('2025-03-10T12:00:00.000Z');
const HOUR = 3600;
type Ok = Extract<StatusObservation, { ok: true }>;

function status(over: Partial<PiStatus> = {}): PiStatus {
  return {
    schemaVersion: 1,
    updatedAt: '2025-03-10T11:00:00.000Z',
    host: 'offsite',
    repository: 'pi',
    generations: [],
    verification: { checkedFiles: 0, totalFiles: 0, damaged: [] },
    guard: { state: 'ok', threshold: 0.2, configChanged: false, keysChanged: false },
    stale: false,
    sequence: Date.parse('2025-03-10T11:00:00.000Z'),
    ...over,
  };
}

function rawPublicKey(key: KeyObject): string {
  const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return der.subarray(der.length - 32).toString('base64');
}

/** The document as restray-pi writes it (pi/src/status-signing.ts), as text. */
function envelope(s: PiStatus, key: KeyObject, edit?: (payload: string) => string): string {
  const payload = JSON.stringify(s);
  const value = sign(null, Buffer.from(payload), key).toString('base64');
  return JSON.stringify({
    schemaVersion: PI_STATUS_ENVELOPE_VERSION,
    payload: edit ? edit(payload) : payload,
    signature: { alg: 'ed25519', publicKey: rawPublicKey(key), value },
  });
}

function observe(text: string, via: 'onsite' | 'offsite' = 'onsite'): Ok {
  const o = statusFromBytes(Buffer.from(text), via, NOW.toISOString());
  if (!o.ok) throw new Error(o.error.message);
  return o;
}

const offsiteKey = generateKeyPairSync('ed25519').privateKey;
const otherKey = generateKeyPairSync('ed25519').privateKey;
const PIN = statusKeyFingerprint(rawPublicKey(offsiteKey));
const input = (over: Partial<TrustInput> = {}): TrustInput => ({
  pinned: PIN,
  last: undefined,
  now: NOW,
  maxAgeSeconds: 24 * HOUR,
  ...over,
});

describe('checkStatus', () => {
  it('accepts a document the pinned key signed and returns the record to keep', () => {
    const r = checkStatus(observe(envelope(status(), offsiteKey)), input());
    expect(r.trust).toEqual({ state: 'signed', fingerprint: PIN });
    expect(r.accept).toEqual({
      fingerprint: PIN,
      sequence: Date.parse('2025-03-10T11:00:00.000Z'),
      updatedAt: '2025-03-10T11:00:00.000Z',
    });
  });

  it('rejects a document with one byte changed after signing', () => {
    // "safe" forged: the onsite Pi edits one character of the signed payload (a generation's state).
    const signed = envelope(status({ host: 'offsitf' }), offsiteKey, (p) => p.replace('offsitf', 'offsite'));
    const r = checkStatus(observe(signed), input());
    expect(r.trust).toMatchObject({ state: 'rejected', problem: 'bad-signature' });
    expect(r.trust.reason).toMatch(/changed after the offsite Pi signed it/);
    expect(r.accept).toBeUndefined();
  });

  it('rejects a document signed by another key, naming both fingerprints', () => {
    const r = checkStatus(observe(envelope(status(), otherKey)), input());
    expect(r.trust).toMatchObject({ state: 'rejected', problem: 'other-key', fingerprint: PIN });
    expect(r.trust.reason).toContain(statusKeyFingerprint(rawPublicKey(otherKey)));
  });

  it('rejects another key that copies the pinned public key into the envelope (the signature fails)', () => {
    const forged = JSON.parse(envelope(status(), otherKey)) as { signature: { publicKey: string } };
    forged.signature.publicKey = rawPublicKey(offsiteKey);
    const r = checkStatus(observe(JSON.stringify(forged)), input());
    expect(r.trust.problem).toBe('bad-signature');
  });

  it('rejects an unsigned document (version 1, or the envelope stripped) once a key is pinned', () => {
    const r = checkStatus(observe(JSON.stringify(status())), input());
    expect(r.trust).toMatchObject({ state: 'rejected', problem: 'unsigned' });
    expect(r.trust.reason).toMatch(/not signed/);
  });

  it('rejects a replay: a signed document older than the last one accepted', () => {
    const newer = checkStatus(
      observe(envelope(status({ updatedAt: '2025-03-10T11:30:00.000Z', sequence: 2000 }), offsiteKey)),
      input(),
    ).accept;
    const older = observe(envelope(status({ sequence: 1000 }), offsiteKey));
    const r = checkStatus(older, input({ last: newer }));
    expect(r.trust).toMatchObject({ state: 'rejected', problem: 'replay' });
    expect(r.trust.reason).toMatch(/older than one already seen/);
    // The same document read again is no replay.
    expect(
      checkStatus(older, input({ last: { fingerprint: PIN, sequence: 1000, updatedAt: '' } })).trust.state,
    ).toBe('signed');
  });

  it('rejects a document dated beyond the clock skew in the future, accepts one within it', () => {
    const ahead = (s: number) =>
      observe(envelope(status({ updatedAt: new Date(NOW.getTime() + s * 1000).toISOString() }), offsiteKey));
    expect(checkStatus(ahead(6 * 60), input()).trust.problem).toBe('future');
    expect(checkStatus(ahead(60), input()).trust.state).toBe('signed');
  });

  it('rejects a signed document not renewed within the staleness bound', () => {
    const old = observe(envelope(status({ updatedAt: '2025-03-09T11:00:00.000Z' }), offsiteKey));
    expect(checkStatus(old, input({ maxAgeSeconds: 24 * HOUR })).trust.problem).toBe('stale');
    expect(checkStatus(old, input({ maxAgeSeconds: 26 * HOUR })).trust.state).toBe('signed');
  });

  it('without a pinned key: not-pinned, with the fingerprint of the signing key to compare', () => {
    expect(checkStatus(observe(envelope(status(), offsiteKey)), input({ pinned: undefined })).trust).toEqual({
      state: 'not-pinned',
      fingerprint: PIN,
    });
    expect(checkStatus(observe(JSON.stringify(status())), input({ pinned: undefined })).trust).toEqual({
      state: 'not-pinned',
    });
  });

  it('the envelope (version 3) parses, and so do unsigned version 1 and 2 documents', () => {
    expect(parsePiStatus(JSON.parse(envelope(status(), offsiteKey)))).toMatchObject({ ok: true });
    expect(parsePiStatus(status())).toMatchObject({ ok: true });
    expect(parsePiStatus(status()).ok && 'signed' in parsePiStatus(status())).toBe(false);
  });
});

describe('assessStatus (cross-check with the offsite Pi itself)', () => {
  it('a rejected onsite copy rejects the status even when the direct copy is fine', () => {
    const good = observe(envelope(status(), offsiteKey), 'offsite');
    const forged = observe(JSON.stringify(status()));
    const r = assessStatus({ ...forged, direct: good }, input());
    expect(r.trust).toMatchObject({ state: 'rejected', problem: 'unsigned' });
    expect(r.accept).toBeUndefined();
  });

  it('two trusted copies: the newer one counts (the onsite copy may lag one publish)', () => {
    const onsite = observe(envelope(status({ sequence: 1 }), offsiteKey));
    const direct = observe(
      envelope(status({ sequence: 2, updatedAt: '2025-03-10T11:30:00.000Z' }), offsiteKey),
      'offsite',
    );
    const r = assessStatus({ ...onsite, direct }, input());
    expect(r.observation).toBe(direct);
    expect(r.accept?.sequence).toBe(2);
  });

  it('unpinned: an onsite copy that differs from the offsite Pi own one at the same time is a mismatch', () => {
    const real = status({ stale: true });
    const edited = status({ stale: false });
    const r = assessStatus(
      { ...observe(JSON.stringify(edited)), direct: observe(JSON.stringify(real), 'offsite') },
      input({ pinned: undefined }),
    );
    expect(r.trust).toMatchObject({ state: 'rejected', problem: 'mismatch' });
    const same = assessStatus(
      { ...observe(JSON.stringify(real)), direct: observe(JSON.stringify(real), 'offsite') },
      input({ pinned: undefined }),
    );
    expect(same.trust).toEqual({ state: 'not-pinned' });
  });

  it('an onsite read that failed leaves the direct copy (read because the onsite Pi did not answer) to judge', () => {
    const direct = observe(envelope(status(), offsiteKey), 'offsite');
    const r = assessStatus(direct, input());
    expect(r.trust?.state).toBe('signed');
    expect(r.observation).toEqual(direct);
  });
});
