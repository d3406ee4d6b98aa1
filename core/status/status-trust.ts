import { createHash, createPublicKey, verify } from 'node:crypto';
import type { StatusTrust, TrustProblem } from '../../contract/app-state.js';
import type { StatusObservation } from './observations.js';

/*
 * Whether an offsite status is the offsite Pi's own word. The onsite Pi stores and serves the document, so it
 * could edit it, replay an older one or strip its signature; the workstation therefore pins the fingerprint of
 * the offsite Pi's status key and checks every document against it and against the newest one it accepted
 * before. Pure (no I/O): the caller reads the documents and keeps the last accepted record.
 */

/** How far the offsite Pi's clock may run ahead of this one before a document counts as dated in the future. */
export const CLOCK_SKEW_SECONDS = 5 * 60;

/**
 * How long a signed status may go without renewal: the offsite lag limit plus slack for a daily timer's run
 * (restray-pi publishes after every run, at least daily; a frozen document is what a withholding onsite Pi serves).
 */
export function statusMaxAgeSeconds(lagLimitSeconds: number): number {
  return lagLimitSeconds + 3 * 3600;
}

/** The newest status accepted for a repository, kept in the state folder (replay protection). */
export interface AcceptedStatus {
  fingerprint: string;
  sequence: number;
  updatedAt: string;
}

/** A trust verdict with its English reason (the UI words it from `problem` in the user's language). */
export type TrustResult = StatusTrust & { reason?: string };

/** `SHA256:` + unpadded base64 of the SHA-256 of the raw 32-byte public key (contract StatusKeyFingerprint). */
export function statusKeyFingerprint(publicKeyBase64: string): string {
  const digest = createHash('sha256').update(Buffer.from(publicKeyBase64, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

// SPKI prefix of an Ed25519 public key (RFC 8410): the 32 raw bytes follow it.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function signatureValid(payload: string, publicKey: string, value: string): boolean {
  try {
    const raw = Buffer.from(publicKey, 'base64');
    if (raw.length !== 32) return false;
    const key = createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, raw]),
      format: 'der',
      type: 'spki',
    });
    return verify(null, Buffer.from(payload, 'utf8'), key, Buffer.from(value, 'base64'));
  } catch {
    return false;
  }
}

const where = (o: StatusObservation) => (o.via === 'onsite' ? 'on the onsite Pi' : 'on the offsite Pi');

function rejected(problem: TrustProblem, fingerprint: string, reason: string): TrustResult {
  return { state: 'rejected', problem, fingerprint, reason };
}

/** Sequence of a document for replay checks: its own, or (none) its time in ms. */
function sequenceOf(o: Extract<StatusObservation, { ok: true }>): number {
  return o.status.sequence ?? Date.parse(o.status.updatedAt);
}

export interface TrustInput {
  /** The repository's pinned fingerprint (config `offsiteStatusKey`); undefined: nothing pinned. */
  pinned: string | undefined;
  /** The newest status accepted before (for this pinned key); undefined: none yet. */
  last: AcceptedStatus | undefined;
  now: Date;
  /** A status not renewed for longer than this is stale (its offsite Pi may be stopped, or it is withheld). */
  maxAgeSeconds: number;
}

/**
 * Checks one status document that was read and parsed. Without a pinned key: `not-pinned` (the document's own
 * key fingerprint, if any, for the user to compare and pin). With one, in this order: unsigned, signed by another
 * key, signature not matching the exact payload bytes, dated more than CLOCK_SKEW_SECONDS ahead, older than the
 * last accepted one (replay), older than `maxAgeSeconds` (stale): `rejected` with the problem and a reason.
 * Otherwise `signed`, and `accept` is the record to keep. Pure (the signature check is computation only).
 */
export function checkStatus(
  obs: Extract<StatusObservation, { ok: true }>,
  i: TrustInput,
): { trust: TrustResult; accept?: AcceptedStatus } {
  const signedBy = obs.signed ? statusKeyFingerprint(obs.signed.signature.publicKey) : undefined;
  if (!i.pinned) return { trust: { state: 'not-pinned', ...(signedBy ? { fingerprint: signedBy } : {}) } };
  const pin = i.pinned;
  if (!obs.signed || !signedBy)
    return {
      trust: rejected(
        'unsigned',
        pin,
        `The offsite status ${where(obs)} is not signed, but only the offsite Pi's signed status is trusted for this repository.`,
      ),
    };
  if (signedBy !== pin)
    return {
      trust: rejected(
        'other-key',
        pin,
        `The offsite status ${where(obs)} is signed by another key (${signedBy}), not by the offsite Pi's pinned key ${pin}.`,
      ),
    };
  if (!signatureValid(obs.signed.payload, obs.signed.signature.publicKey, obs.signed.signature.value))
    return {
      trust: rejected(
        'bad-signature',
        pin,
        `The offsite status ${where(obs)} was changed after the offsite Pi signed it (the signature does not match).`,
      ),
    };
  const updated = Date.parse(obs.status.updatedAt);
  if (updated > i.now.getTime() + CLOCK_SKEW_SECONDS * 1000)
    return {
      trust: rejected(
        'future',
        pin,
        `The offsite status ${where(obs)} is dated ${obs.status.updatedAt}, in the future: check the clocks of this computer and the offsite Pi.`,
      ),
    };
  const sequence = sequenceOf(obs);
  if (i.last && i.last.fingerprint === pin && sequence < i.last.sequence)
    return {
      trust: rejected(
        'replay',
        pin,
        `The offsite status ${where(obs)} (of ${obs.status.updatedAt}) is older than one already seen (of ${i.last.updatedAt}): an old status is being replayed.`,
      ),
    };
  if (i.now.getTime() - updated > i.maxAgeSeconds * 1000)
    return {
      trust: rejected(
        'stale',
        pin,
        `The offsite Pi has not renewed its status since ${obs.status.updatedAt} (limit ${Math.round(i.maxAgeSeconds / 3600)} h).`,
      ),
    };
  return {
    trust: { state: 'signed', fingerprint: pin },
    accept: { fingerprint: pin, sequence, updatedAt: obs.status.updatedAt },
  };
}

/**
 * The status to judge by and its trust, from what was read: `obs` (normally through the onsite Pi, else read
 * from the offsite Pi when the onsite Pi did not answer) and, in `obs.direct`, the same document read from the
 * offsite Pi itself. A rejected document rejects the whole status, whichever Pi served it (a forgery onsite is
 * news even when the offsite Pi's own copy is fine). When both were read and trusted, the newer one counts; for
 * an unpinned repository the two must also agree (same time and content, the onsite one never newer), else
 * `mismatch`. `accept`: the record to keep for replay checks. An observation that is not ok passes unchanged.
 */
export function assessStatus(
  obs: StatusObservation | undefined,
  i: TrustInput,
): { observation: StatusObservation | undefined; trust?: TrustResult; accept?: AcceptedStatus } {
  if (!obs) return { observation: undefined };
  const { direct, ...own } = obs;
  const first = own.ok ? checkStatus(own, i) : undefined;
  const second = direct?.ok ? checkStatus(direct, i) : undefined;
  if (!own.ok || !first) {
    // The onsite Pi failed to serve it; the direct copy (when read) is the offsite Pi's word.
    return { observation: own, ...(second ? { trust: second.trust } : {}), ...accepted(second) };
  }
  if (first.trust.state === 'rejected') return { observation: own, trust: first.trust };
  if (!direct?.ok || !second) return { observation: own, trust: first.trust, ...accepted(first) };
  if (second.trust.state === 'rejected') return { observation: own, trust: second.trust };
  if (first.trust.state === 'signed' && second.trust.state === 'signed') {
    const newer = sequenceOf(direct) > sequenceOf(own) ? { o: direct, r: second } : { o: own, r: first };
    return { observation: newer.o, trust: newer.r.trust, ...accepted(newer.r) };
  }
  const onsiteTime = Date.parse(own.status.updatedAt);
  const directTime = Date.parse(direct.status.updatedAt);
  const sameTime = onsiteTime === directTime;
  if (onsiteTime > directTime || (sameTime && JSON.stringify(own.status) !== JSON.stringify(direct.status)))
    return {
      observation: own,
      trust: {
        state: 'rejected',
        problem: 'mismatch',
        ...(first.trust.fingerprint ? { fingerprint: first.trust.fingerprint } : {}),
        reason:
          'The offsite status on the onsite Pi differs from the one the offsite Pi itself holds: it was changed on the onsite Pi.',
      },
    };
  return { observation: sameTime ? own : direct, trust: second.trust };
}

function accepted(r: { accept?: AcceptedStatus } | undefined): { accept?: AcceptedStatus } {
  return r?.accept ? { accept: r.accept } : {};
}
