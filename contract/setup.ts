import { z } from 'zod';
import { Name, Repository } from './config.js';
import { IsoTime } from './app-state.js';
import { StatusKeyFingerprint } from './pi-status.js';

/** Setup-wizard shapes: SSH key for a Pi, host key pinning, connection test, repository creation. */

/** `append-only`: rclone serve restic --append-only as the key's forced command; `sftp`: confined SFTP. */
export const PiProfile = z.enum(['append-only', 'sftp']);
export type PiProfile = z.infer<typeof PiProfile>;

export const PiEndpoint = z.object({
  /** Name the repository will get (the key and known_hosts files are named after it). */
  repo: Name,
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().min(1),
  /** Repository folder on the Pi. */
  path: z.string().min(1),
  profile: PiProfile,
});
export type PiEndpoint = z.infer<typeof PiEndpoint>;

export const GeneratedKey = z.object({
  /** Path of the private key Restray wrote (the key itself never leaves the file). */
  sshKey: z.string().min(1),
  /** Path of Restray's known_hosts file for this repository (filled by confirmHostKey). */
  knownHosts: z.string().min(1),
  /** OpenSSH public key line, safe to show and copy. */
  publicKey: z.string().min(1),
  /** The exact `restray-pi provision onsite …` command to run on the Pi, public key included. */
  provisionCommand: z.string().min(1),
  /**
   * The workstation's pairing line (contract/pairing-line.ts: repository name, public key, profile) for
   * `restray-pi setup onsite --workstation '…'`; public, safe to show and copy. Absent when the account or
   * folder cannot travel in a line (e.g. a relative folder): the provisioning command still works then.
   */
  pairingLine: z.string().min(1).optional(),
});
export type GeneratedKey = z.infer<typeof GeneratedKey>;

export const HostKey = z.object({
  /** e.g. ssh-ed25519 */
  type: z.string(),
  /** `SHA256:…` as ssh-keygen -lf prints it. */
  fingerprint: z.string(),
});
export type HostKey = z.infer<typeof HostKey>;

/** What testConnection measured; failures come back as ErrorInfo with a hint naming the fix. */
export const ConnectionReport = z.object({
  latencyMs: z.number().nonnegative(),
  /** Measured by moving a few MB each way (an MTU black hole shows up here as a network error, not a hang). */
  uploadBytesPerSecond: z.number().nonnegative().optional(),
  downloadBytesPerSecond: z.number().nonnegative().optional(),
  /** What is at the path: a restic repository, an empty folder, or nothing yet. */
  repository: z.enum(['exists', 'empty', 'absent']),
  resticVersion: z.string().optional(),
});
export type ConnectionReport = z.infer<typeof ConnectionReport>;

/**
 * The password for a new repository or a password change. `typed` travels renderer → main once and goes
 * straight into the keychain; `generate` lets the engine make one, returned once for the recovery sheet.
 */
export const PasswordChoice = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('typed'), value: z.string().min(8, 'use at least 8 characters').max(1024) }),
  z.object({ kind: z.literal('generate') }),
]);
export type PasswordChoice = z.infer<typeof PasswordChoice>;

export const CreateRepositoryRequest = z.object({
  repository: Repository,
  /** `new`: restic init; `existing`: open it with the password (wrong-password/repo-not-found otherwise). */
  mode: z.enum(['new', 'existing']),
  password: PasswordChoice,
});
export type CreateRepositoryRequest = z.infer<typeof CreateRepositoryRequest>;

/** What the printable recovery sheet shows. Never holds the password except `generatedPassword`, once. */
export const RecoverySheet = z.object({
  repo: Name,
  /** restic's repository string (e.g. `sftp:pi@host:/srv/restic` or a folder path). */
  location: z.string(),
  createdAt: IsoTime,
  /** Commands that restore with plain restic, without Restray (password asked by restic). */
  commands: z.array(z.string()),
  /** The generated password; present only in the createRepository/changePassword answer that made it. */
  generatedPassword: z.string().optional(),
});
export type RecoverySheet = z.infer<typeof RecoverySheet>;

/**
 * The read-only restore account on the offsite Pi (`restray-pi provision offsite --root … --restore-key …`):
 * restores go there when the onsite Pi is gone. `path` is the offsite store's root (holds generations/).
 */
export const OffsiteEndpoint = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().min(1).default('restray-restore'),
  path: z.string().min(1).default('/srv/restray-offsite'),
});
export type OffsiteEndpoint = z.infer<typeof OffsiteEndpoint>;

/** What the offsite Pi needs to let this repository's key read its generations. */
export const OffsiteCommand = z.object({
  /** OpenSSH public key line of the repository's key (the same key reads onsite and offsite). */
  publicKey: z.string().min(1),
  /** The exact `restray-pi provision offsite …` command to run on the offsite Pi. */
  provisionCommand: z.string().min(1),
});
export type OffsiteCommand = z.infer<typeof OffsiteCommand>;

/**
 * Turns offsite status and restore access on or off for a Pi repository. `statusUser`: the onsite Pi's status
 * account (restray-pi provision onsite makes `restray-status`), null = no offsite Pi. `access`: the offsite
 * restore account, null = none. The engine tests each before saving.
 */
export const OffsiteSetupRequest = z.object({
  repo: Name,
  statusUser: z.string().min(1).nullable(),
  access: OffsiteEndpoint.nullable(),
  /**
   * The offsite Pi's status key to pin: its fingerprint (`restray-pi status --signing-key` prints it) or the
   * offsite Pi's pairing line (`restray-pi setup offsite` prints it; the engine takes the fingerprint from it);
   * null removes the pin; absent keeps what is configured. Without a status account no key is kept.
   */
  statusKey: z
    .union([StatusKeyFingerprint, z.string().trim().startsWith('restray-pair:').max(4096)])
    .nullable()
    .optional(),
});
export type OffsiteSetupRequest = z.infer<typeof OffsiteSetupRequest>;

/** What the test found. Notes are facts to show, not failures (e.g. before the offsite Pi's first sync). */
export const OffsiteSetupReport = z.object({
  /** Verified generations the restore account sees (0 without access). */
  generations: z.number().int().nonnegative(),
  newestGeneration: z.string().optional(),
  notes: z.array(
    z.enum(['status-not-published-yet', 'no-generations-yet', 'status-not-signed', 'status-key-not-pinned']),
  ),
});
export type OffsiteSetupReport = z.infer<typeof OffsiteSetupReport>;
