import { z } from 'zod';
import { ErrorInfo } from './errors.js';

/**
 * The offsite status document that `restray-pi` writes after every run and publishes into the onsite Pi's
 * status directory, where the workstation app reads it over its own connection. Versioned: readers accept
 * only the versions they know and say so plainly otherwise; a new field that old readers can ignore keeps the
 * version, a changed meaning bumps it. Version 2: a generation may leave out quarantined files
 * (`quarantined`), so holding a snapshot file no longer means holding everything the snapshot needs; version 1
 * documents still parse (no quarantined files).
 */
export const PI_STATUS_SCHEMA_VERSION = 2;

/** The versions {@link parsePiStatus} reads. */
export const PI_STATUS_READABLE_VERSIONS: readonly number[] = [1, 2];

const isoTime = z.iso.datetime({ offset: true });

/** A restic snapshot ID as its file name in `snapshots/`: the lower-case hex SHA-256 of the file. */
export const SnapshotId = z.string().regex(/^[0-9a-f]{64}$/, 'a 64-character lower-case hex snapshot ID');
export type SnapshotId = z.infer<typeof SnapshotId>;

/** `ok`: a generation was promoted (or nothing changed); `failed`: transfer or verification failed;
 * `blocked`: the guard saw mass deletion or changed keys/config and promoted nothing. */
export const PiRunResult = z.enum(['ok', 'failed', 'blocked']);
export type PiRunResult = z.infer<typeof PiRunResult>;

/** Where a failed run stopped, so the app can word the problem without parsing messages. */
export const PiRunPhase = z.enum([
  'config',
  'lock',
  'list',
  'guard',
  'transfer',
  'verify',
  'promote',
  'retention',
  'publish',
]);
export type PiRunPhase = z.infer<typeof PiRunPhase>;

export const PiRun = z.object({
  start: isoTime,
  end: isoTime,
  result: PiRunResult,
  /** Set when result is not `ok`: a plain sentence, never a secret. */
  error: ErrorInfo.optional(),
  phase: PiRunPhase.optional(),
  /** Bytes received over the network (rsync's own count, protocol overhead included). */
  bytesTransferred: z.number().int().min(0),
  /** Files whose SHA-256 was checked against their name in this run (its new files; `restray-pi reverify` re-checks old generations). */
  filesVerified: z.number().int().min(0),
  /** Name of the generation this run promoted, if any. */
  promoted: z.string().optional(),
  trigger: z.enum(['timer', 'change', 'manual', 'push']).default('manual'),
});
export type PiRun = z.infer<typeof PiRun>;

export const PiGeneration = z.object({
  /** Directory name under generations/: the UTC time of the sync, e.g. `20250301T031500Z`. */
  name: z.string().regex(/^\d{8}T\d{6}Z$/),
  time: isoTime,
  /** Every snapshot the generation holds (restic can restore each of them from this generation alone). */
  snapshotIds: z.array(SnapshotId),
  /** Apparent size of the whole repository copy; most of it is shared with other generations by hardlinks. */
  sizeBytes: z.number().int().min(0),
  /** Bytes of files that first appeared in this generation. */
  newBytes: z.number().int().min(0),
  fileCount: z.number().int().min(0),
  /** `damaged`: a later re-verification found a file whose SHA-256 no longer matches its name. */
  state: z.enum(['verified', 'damaged']),
  /**
   * Repository paths (e.g. `data/ab/ab12…`) that the onsite repository had but whose SHA-256 did not match their
   * name and no earlier generation held verified: left out of this generation (kept aside offsite). A workstation
   * with the password can tell whether its snapshots need them (`restic find --pack`). Absent: none (and in
   * version 1).
   */
  quarantined: z.array(z.string()).optional(),
});
export type PiGeneration = z.infer<typeof PiGeneration>;

export const PiVerification = z.object({
  /** When the rotating re-verification of old generations last checked a slice. */
  lastSliceAt: isoTime.optional(),
  /** When every stored file was last re-verified at least once (one full rotation completed). */
  lastFullPassAt: isoTime.optional(),
  /** Progress of the current rotation. */
  checkedFiles: z.number().int().min(0),
  totalFiles: z.number().int().min(0),
  /** Files found damaged by re-verification (bit rot); empty when all is well. */
  damaged: z.array(z.object({ file: z.string(), generations: z.array(z.string()), detectedAt: isoTime })),
  /** Result of the optional `restic check` (only when a repository password is configured offsite). */
  resticCheck: z.object({ at: isoTime, ok: z.boolean(), message: z.string().optional() }).optional(),
});
export type PiVerification = z.infer<typeof PiVerification>;

export const PiGuard = z.object({
  state: z.enum(['ok', 'blocked']),
  /** Why the run was blocked, one sentence. */
  reason: z.string().optional(),
  since: isoTime.optional(),
  /**
   * Share of pack bytes lost net at the source (gone or overwritten, minus new packs' bytes), the worse of the
   * comparisons with the newest generation and the guard's window reference (0..1).
   */
  lostShare: z.number().min(0).max(1).optional(),
  threshold: z.number().min(0).max(1),
  configChanged: z.boolean().default(false),
  keysChanged: z.boolean().default(false),
  /** Last `restray-pi approve`: the finding it accepted. */
  approvedAt: isoTime.optional(),
});
export type PiGuard = z.infer<typeof PiGuard>;

export const PiStatus = z.object({
  schemaVersion: z.union([z.literal(1), z.literal(PI_STATUS_SCHEMA_VERSION)]),
  /** Written at (offsite clock). */
  updatedAt: isoTime,
  /** Offsite host name, for display. */
  host: z.string(),
  /** Name of the repository in the Restray config (restray-pi config `name`). */
  repository: z.string(),
  lastRun: PiRun.optional(),
  lastSuccess: isoTime.optional(),
  /** Newest first. */
  generations: z.array(PiGeneration),
  verification: PiVerification,
  guard: PiGuard,
  /** Next scheduled run, when known (systemd timer). */
  nextRun: isoTime.optional(),
  /** No success for longer than the configured staleness limit. */
  stale: z.boolean().default(false),
  /**
   * Grows with every document the offsite Pi signs (at least by one, and never below the signing time in ms), so
   * a reader that keeps the highest one it accepted can refuse a replayed older document even when the offsite
   * Pi's clock went back. Absent in unsigned documents of older restray-pi versions.
   */
  sequence: z.number().int().min(0).optional(),
});
export type PiStatus = z.infer<typeof PiStatus>;

/**
 * Whether the snapshot is held offsite: it is in a verified generation (one that no re-verification found
 * damaged). Accepts a full 64-hex ID or a prefix of at least 8 characters (restic 0.14's `backup --json`
 * reports 8-character IDs).
 */
export function offsiteHolds(status: PiStatus, snapshotId: string): boolean {
  const id = snapshotId.toLowerCase();
  if (!/^[0-9a-f]{8,64}$/.test(id)) return false;
  return status.generations.some(
    (g) => g.state === 'verified' && g.snapshotIds.some((s) => s.startsWith(id)),
  );
}

/**
 * Version 3 of the published document: a signed envelope around a status (schema version 1 or 2; version 2
 * added the quarantined names, so the envelope takes the next number). The offsite Pi signs the
 * exact UTF-8 bytes of `payload` (the status as JSON text) with its Ed25519 status key, so no re-serialisation
 * can change what was signed. Readers verify the signature against the key they pinned before they parse the
 * payload's meaning; version-1 documents (unsigned, from older restray-pi) still parse and are reported unsigned.
 */
export const PI_STATUS_ENVELOPE_VERSION = 3;

/**
 * Fingerprint of an offsite status key, as `restray-pi status --signing-key` prints it and the workstation pins
 * it: `SHA256:` and the unpadded base64 of the SHA-256 of the key's 32 raw bytes (OpenSSH's style).
 */
export const StatusKeyFingerprint = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'a fingerprint such as SHA256:… (43 characters after the colon)');
export type StatusKeyFingerprint = z.infer<typeof StatusKeyFingerprint>;

export const PiStatusSignature = z.object({
  alg: z.literal('ed25519'),
  /** The signer's public key: base64 of its 32 raw bytes. */
  publicKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/),
  /** base64 of the 64-byte Ed25519 signature over the payload's UTF-8 bytes. */
  value: z.string().regex(/^[A-Za-z0-9+/]{86}==$/),
});
export type PiStatusSignature = z.infer<typeof PiStatusSignature>;

export const PiStatusEnvelope = z.object({
  schemaVersion: z.literal(PI_STATUS_ENVELOPE_VERSION),
  /** The status as JSON text; the signature covers exactly these bytes. */
  payload: z.string(),
  signature: PiStatusSignature,
});
export type PiStatusEnvelope = z.infer<typeof PiStatusEnvelope>;

/** A parsed document: the status, and for an envelope the signature and the bytes it covers. */
export type ParsedPiStatus =
  | { ok: true; status: PiStatus; signed?: { payload: string; signature: PiStatusSignature } }
  | { ok: false; message: string };

/**
 * Parses a status document read from the Pi (version 1 or 2, or a version-3 envelope whose payload is parsed in
 * turn). Returns the typed status (with the signature to verify, never verified here) or a plain error message;
 * a document of an unknown schema version gets its own message so the app can ask for an update of one side.
 */
export function parsePiStatus(json: unknown): ParsedPiStatus {
  if (typeof json === 'object' && json !== null && 'schemaVersion' in json) {
    const v = (json as { schemaVersion: unknown }).schemaVersion;
    if (v === PI_STATUS_ENVELOPE_VERSION) return parseEnvelope(json);
    if (typeof v !== 'number' || !PI_STATUS_READABLE_VERSIONS.includes(v))
      return {
        ok: false,
        message: `The offsite status has schema version ${String(v)}; this version of Restray reads versions ${PI_STATUS_READABLE_VERSIONS.join(', ')} and the signed envelope ${PI_STATUS_ENVELOPE_VERSION}.`,
      };
  }
  return parseV1(json);
}

function parseEnvelope(json: unknown): ParsedPiStatus {
  const e = PiStatusEnvelope.safeParse(json);
  if (!e.success) return invalid(e.error.issues[0]);
  let inner: unknown;
  try {
    inner = JSON.parse(e.data.payload);
  } catch {
    return { ok: false, message: 'The offsite status is not valid: payload: not JSON.' };
  }
  if (typeof inner === 'object' && inner !== null && 'schemaVersion' in inner) {
    const v = (inner as { schemaVersion: unknown }).schemaVersion;
    if (typeof v !== 'number' || !PI_STATUS_READABLE_VERSIONS.includes(v))
      return {
        ok: false,
        message: `The offsite status has schema version ${String(v)} inside its signed envelope; this version of Restray reads versions ${PI_STATUS_READABLE_VERSIONS.join(' and ')} there.`,
      };
  }
  const r = parseV1(inner);
  return r.ok ? { ...r, signed: { payload: e.data.payload, signature: e.data.signature } } : r;
}

function invalid(first: { path: PropertyKey[]; message: string } | undefined): ParsedPiStatus {
  return {
    ok: false,
    message: `The offsite status is not valid: ${first ? `${first.path.map(String).join('.') || '(root)'}: ${first.message}` : 'unknown error'}.`,
  };
}

function parseV1(json: unknown): ParsedPiStatus {
  const r = PiStatus.safeParse(json);
  if (r.success) return { ok: true, status: r.data };
  return invalid(r.error.issues[0]);
}
