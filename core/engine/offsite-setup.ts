import { join } from 'node:path';
import type { OffsiteAccess, Repository } from '../../contract/config.js';
import type { OffsiteEndpoint, OffsiteSetupReport, OffsiteSetupRequest } from '../../contract/setup.js';
import { RestrayError } from '../errors.js';
import { inspectOffsite } from '../status/offsite-access.js';
import type { StatusObservation } from '../status/observations.js';
import { readOffsiteStatus } from '../status/status-reader.js';
import { statusKeyFingerprint } from '../status/status-trust.js';
import { statusKeyFromPaste } from './pairing-lines.js';
import { shellQuote } from './recovery-sheet.js';

/** Restray's known_hosts file for a repository's offsite Pi (the onsite one is `<repo>.known_hosts`). */
export function offsiteKnownHosts(sshDir: string, repoName: string): string {
  return join(sshDir, `${repoName}.offsite.known_hosts`);
}

/** The repository's SSH key and host, or `invalid-argument`: offsite access needs a repository on a Pi. */
export function sshTargetOf(repo: Repository): Extract<Repository['target'], { sshKey: string }> {
  if (repo.target.kind === 'local')
    throw new RestrayError(
      'invalid-argument',
      `Repository "${repo.name}" is a local folder; an offsite Pi copies repositories that live on an onsite Pi.`,
    );
  return repo.target;
}

/**
 * The command that lets the repository's key read the offsite store, to run on the offsite Pi: the restore
 * account gets read-only SFTP on `path` (restray-pi's restoreKeyLines). The repository key is reused: it lives
 * in the same file on the same machine, so a second key would add no protection. Pure; `invalid-argument` for a
 * local repository.
 */
export function offsiteProvisionCommand(
  repo: Repository,
  publicKey: string,
  endpoint: Pick<OffsiteEndpoint, 'user' | 'path'>,
): string {
  sshTargetOf(repo);
  return [
    'sudo restray-pi provision offsite',
    `--root ${shellQuote(endpoint.path)}`,
    `--restore-user ${shellQuote(endpoint.user)}`,
    `--restore-key ${shellQuote(publicKey)}`,
  ].join(' ');
}

/**
 * Tests and applies an offsite setup to a Pi repository and returns the changed repository with what the test
 * found; the caller saves it. The status account must answer through the onsite Pi (a refused key, a host key
 * problem or an unreachable Pi throw with the status reader's message; "nothing published yet" is a note). The
 * restore account must log in and list the store (inspectOffsite's errors throw; a store without generations
 * yet is a note, as before the offsite Pi's first sync). The offsite host key must be pinned first
 * (confirmHostKey with hop offsite). Side effects: one ssh and one sftp session.
 */
/**
 * What the published status says about the key to pin: signed by another key is an error (the fingerprint the
 * user compared is not the one that signs, or the onsite Pi serves a forgery); unsigned is a note (a restray-pi
 * from before signing: pinned, its statuses are unknown until it is updated). Throws `invalid-argument`.
 */
function statusKeyNotes(seen: StatusObservation, statusKey: string | undefined): OffsiteSetupReport['notes'] {
  if (!seen.ok) return [];
  if (!statusKey) return ['status-key-not-pinned'];
  if (!seen.signed) return ['status-not-signed'];
  const signedBy = statusKeyFingerprint(seen.signed.signature.publicKey);
  if (signedBy !== statusKey)
    throw new RestrayError(
      'invalid-argument',
      `The offsite status is signed by ${signedBy}, not by the key given (${statusKey}).`,
      {
        hint: 'Compare again with `restray-pi status --signing-key` on the offsite Pi; if that shows the key you gave, the onsite Pi serves a status it did not get from the offsite Pi.',
      },
    );
  return [];
}

export async function checkOffsiteSetup(
  repo: Repository,
  input: Omit<OffsiteSetupRequest, 'repo'>,
  sshDir: string,
  opts: { signal?: AbortSignal } = {},
): Promise<{ repo: Repository; report: OffsiteSetupReport }> {
  const target = sshTargetOf(repo);
  const { offsiteStatusUser: _s, offsite: _o, offsiteStatusKey: pinned, ...rest } = repo;
  // No offsite Pi at all (neither status account nor access): no key to keep either.
  const noOffsite = input.statusUser === null && input.access === null;
  const statusKey = noOffsite
    ? undefined
    : input.statusKey === undefined
      ? pinned
      : input.statusKey === null
        ? undefined
        : statusKeyFromPaste(input.statusKey);
  const next: Repository = {
    ...rest,
    ...(input.statusUser !== null ? { offsiteStatusUser: input.statusUser } : {}),
    ...(statusKey ? { offsiteStatusKey: statusKey } : {}),
  };
  const notes: OffsiteSetupReport['notes'] = [];
  if (input.statusUser !== null) {
    const seen = await readOffsiteStatus(next, { timeoutMs: 30_000, ...opts });
    notes.push(...statusKeyNotes(seen, statusKey));
    if (!seen.ok && (seen.problem === 'unreachable' || seen.problem === 'refused'))
      throw new RestrayError(seen.error.kind, `Status account on the onsite Pi: ${seen.error.message}`, {
        hint:
          seen.error.hint ??
          `Check that \`restray-pi provision onsite\` added this key to the account "${input.statusUser}".`,
      });
    if (!seen.ok) notes.push('status-not-published-yet');
  }
  if (input.access === null) return { repo: next, report: { generations: 0, notes } };
  const access: OffsiteAccess = {
    ...input.access,
    sshKey: target.sshKey,
    knownHosts: offsiteKnownHosts(sshDir, repo.name),
  };
  let generations: string[] = [];
  try {
    generations = (await inspectOffsite(access, { timeoutMs: 30_000, ...opts })).generations;
  } catch (e) {
    if (!(e instanceof RestrayError && e.kind === 'not-found')) throw e;
  }
  if (generations.length === 0) notes.push('no-generations-yet');
  return {
    repo: { ...next, offsite: access },
    report: {
      generations: generations.length,
      ...(generations[0] ? { newestGeneration: generations[0] } : {}),
      notes,
    },
  };
}
