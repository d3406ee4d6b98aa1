import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { OffsiteAccess, Repository } from '../../contract/config.js';
import type { PiStatus } from '../../contract/pi-status.js';
import { RestrayError } from '../errors.js';
import type { ResticContext } from '../restic/index.js';
import { resticRepoArgs } from '../ssh/repo-args.js';
import { classifySshFailure } from '../ssh/ssh-errors.js';
import { sshDestination, sshOptionArgs } from '../ssh/ssh-options.js';
import { sameSnapshot } from './chain.js';
import type { StatusObservation } from './observations.js';
import { MAX_STATUS_BYTES, statusFromBytes } from './status-reader.js';

/*
 * Read-only access to the offsite Pi (restore when the onsite Pi is gone).
 *
 * The offsite Pi gives the workstation's restore key one account whose authorized_keys line forces OpenSSH's
 * read-only SFTP server (set up by `restray-pi provision offsite --restore-key`):
 *
 *   command="internal-sftp -R -d /srv/restray-offsite",restrict ssh-ed25519 AAAA… restray-restore
 *
 * `-R` makes every write, rename and delete fail, so restic can only read; restic runs with `--no-lock` (it would
 * otherwise try to write a lock file and retry for minutes). The key gets no shell, no forwarding, no PTY. restic
 * reaches a generation as `sftp:user@host:<path>/generations/<name>` with Restray's ssh options as
 * `sftp.command`, exactly like an sftp repository. Generations are world-readable (restray-pi promotes them with
 * files 0444, directories 0755), so the account needs no group membership. To keep the account from reading
 * other world-readable files of the offsite Pi, also confine it with a chroot (sshd drop-in
 * `Match User … / ChrootDirectory <root> / ForceCommand internal-sftp -R`); `path` is then as seen in the chroot.
 */

const GENERATION = /^\d{8}T\d{6}Z$/;

function rootOf(access: OffsiteAccess): string {
  return access.path.length > 1 ? access.path.replace(/\/+$/, '') : access.path;
}

/** Path of a generation on the offsite Pi, as the read-only account sees it. */
export function generationPath(access: OffsiteAccess, generation: string): string {
  if (!GENERATION.test(generation))
    throw new RestrayError(
      'invalid-argument',
      `"${generation}" is not a generation name (such as 20250301T031500Z).`,
    );
  const root = rootOf(access);
  return `${root === '/' ? '' : root}/generations/${generation}`;
}

/**
 * restic's repository arguments for one offsite generation through the read-only account: `-r sftp:…` with
 * Restray's ssh options as `sftp.command` (pinned known_hosts, BatchMode, timeouts) and `--no-lock`, which the
 * read-only SFTP server needs (restic 0.14 supports it for snapshots, ls, find, restore, diff). Pure; throws
 * `invalid-argument` for names or paths restic cannot be given safely.
 */
export function offsiteRepoArgs(access: OffsiteAccess, generation: string): string[] {
  const { user, host, port, sshKey, knownHosts } = access;
  const path = generationPath(access, generation);
  return [...resticRepoArgs({ kind: 'sftp', path, user, host, port, sshKey, knownHosts }), '--no-lock'];
}

/** What the offsite Pi shows the read-only account. */
export interface OffsiteListing {
  /** Generation names, newest first. */
  generations: string[];
  /** restray-pi's own status file (`<root>/state/status.json`), read over the same account. */
  status: StatusObservation;
}

function sftpQuote(path: string): string {
  if (/[\r\n]/.test(path))
    throw new RestrayError('invalid-argument', 'The offsite path must not contain a line break.');
  return `"${path.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

function listingFailure(stderr: string): RestrayError {
  const ssh = classifySshFailure(stderr);
  if (ssh) return ssh;
  if (/not found|No such file/i.test(stderr))
    return new RestrayError('not-found', 'The offsite Pi has no generations folder at the configured path.', {
      hint: 'Check the offsite folder in the repository settings (the folder that holds generations/).',
    });
  if (/Permission denied/i.test(stderr))
    return new RestrayError(
      'permission-denied',
      'The offsite Pi does not let the restore account read the generations.',
    );
  if (/subsystem request failed|This service allows sftp/i.test(stderr))
    return new RestrayError(
      'failed',
      'The offsite Pi did not start its read-only SFTP server for this key.',
      {
        hint: 'Add the key with command="internal-sftp -R -d <offsite folder>",restrict to the restore account.',
      },
    );
  return new RestrayError('failed', 'Listing the generations on the offsite Pi failed.');
}

/**
 * Lists the generations on the offsite Pi and reads restray-pi's status file there, in one SFTP session of the
 * read-only account (the `sftp` client in batch mode, with Restray's ssh options). The status read may fail on
 * its own (reported in `status`); a failed listing throws: `network`, host-key kinds, `permission-denied`,
 * `not-found` (no generations folder), `failed`, `cancelled`. Side effects: a temporary folder, removed again.
 */
export async function inspectOffsite(
  access: OffsiteAccess,
  opts: { timeoutMs?: number; signal?: AbortSignal; now?: () => Date } = {},
): Promise<OffsiteListing> {
  const local = await mkdtemp(join(tmpdir(), 'restray-offsite-'));
  try {
    const root = rootOf(access);
    const statusFile = join(local, 'status.json');
    const batch = [
      // '-': a missing or unreadable status file must not end the session before the listing.
      `-get ${sftpQuote(`${root === '/' ? '' : root}/state/status.json`)} ${sftpQuote(statusFile)}`,
      `ls -1 ${sftpQuote(`${root === '/' ? '' : root}/generations`)}`,
    ].join('\n');
    const batchFile = join(local, 'batch');
    await writeFile(batchFile, `${batch}\n`);
    const r = await execa(
      'sftp',
      ['-b', batchFile, ...sshOptionArgs(access, { portFlag: '-P' }), sshDestination(access)],
      {
        reject: false,
        stdin: 'ignore',
        timeout: opts.timeoutMs ?? 60_000,
        forceKillAfterDelay: 2_000,
        windowsHide: true,
        maxBuffer: 16 * 1024 * 1024,
        ...(opts.signal ? { cancelSignal: opts.signal } : {}),
      },
    );
    if (r.isCanceled) throw new RestrayError('cancelled', 'Reading the offsite Pi was cancelled.');
    if (r.timedOut) throw new RestrayError('network', 'The offsite Pi did not answer in time.');
    if (r.exitCode !== 0) throw listingFailure(String(r.stderr));
    const generations = String(r.stdout)
      .split('\n')
      .map((l) => l.trim().split('/').pop() ?? '')
      .filter((n) => GENERATION.test(n))
      .sort()
      .reverse();
    const at = (opts.now ?? (() => new Date()))().toISOString();
    let status: StatusObservation;
    const size = (await stat(statusFile).catch(() => undefined))?.size;
    if (size === undefined)
      status = {
        ok: false,
        via: 'offsite',
        at,
        problem: 'missing',
        error: {
          kind: 'not-found',
          message: 'The offsite Pi has no status file the restore account can read.',
        },
      };
    else if (size > MAX_STATUS_BYTES)
      status = {
        ok: false,
        via: 'offsite',
        at,
        problem: 'invalid',
        error: { kind: 'failed', message: `The offsite status is larger than ${MAX_STATUS_BYTES} bytes.` },
      };
    else status = statusFromBytes(await readFile(statusFile), 'offsite', at);
    return { generations: [...new Set(generations)], status };
  } finally {
    await rm(local, { recursive: true, force: true });
  }
}

/** Which generation to read: a named one, the newest holding a snapshot, or the newest. */
export interface GenerationChoice {
  generation?: string | undefined;
  /** A snapshot ID (full or at least 8 characters) or `latest`. */
  snapshot?: string | undefined;
}

/**
 * Picks the generation to restore from. Every listed generation was verified before restray-pi promoted it;
 * generations the status marks `damaged` (a later re-verification found a bad file) are never chosen. With a
 * snapshot ID, the newest generation the status shows holding it wins (older generations keep snapshots the
 * onsite retention has dropped since); otherwise the newest generation. Pure.
 * Throws `not-found` when there is no usable generation or the named one does not exist, `failed` when the
 * named one is damaged.
 */
export function chooseGeneration(
  listed: readonly string[],
  status: PiStatus | undefined,
  choice: GenerationChoice = {},
): string {
  const damaged = new Set(
    (status?.generations ?? []).filter((g) => g.state === 'damaged').map((g) => g.name),
  );
  const newestFirst = [...listed].sort().reverse();
  if (choice.generation !== undefined) {
    if (!newestFirst.includes(choice.generation))
      throw new RestrayError(
        'not-found',
        `The offsite Pi has no generation ${choice.generation}.`,
        newestFirst.length
          ? {
              hint: `It holds: ${newestFirst.slice(0, 10).join(', ')}${newestFirst.length > 10 ? ', …' : ''}.`,
            }
          : undefined,
      );
    if (damaged.has(choice.generation))
      throw new RestrayError(
        'failed',
        `Generation ${choice.generation} on the offsite Pi was found damaged.`,
        {
          hint: 'Choose an older generation.',
        },
      );
    return choice.generation;
  }
  const usable = newestFirst.filter((g) => !damaged.has(g));
  if (usable.length === 0)
    throw new RestrayError('not-found', 'The offsite Pi holds no verified generation to restore from.', {
      hint: 'Check restray-pi on the offsite Pi (restray-pi status).',
    });
  const snap = choice.snapshot;
  if (snap && snap !== 'latest' && status) {
    const holding = usable.find((name) =>
      status.generations.some((g) => g.name === name && g.snapshotIds.some((s) => sameSnapshot(s, snap))),
    );
    if (holding) return holding;
  }
  return usable[0]!;
}

/** A restic context for one offsite generation and the generation it reads. */
export interface OffsiteContext {
  ctx: ResticContext;
  generation: string;
  listing: OffsiteListing;
}

/** The repository's offsite read-only access, or `not-found` naming the repository. */
export function offsiteAccessOf(repo: Repository): OffsiteAccess {
  if (!repo.offsite)
    throw new RestrayError(
      'not-found',
      `Repository "${repo.name}" has no read-only access to the offsite Pi configured.`,
      {
        hint: 'Add it in the setup wizard (offsite restore) first.',
      },
    );
  return repo.offsite;
}

/**
 * The restic context for a verified offsite generation of a repository: the onsite context's binary and
 * password (the generation is a copy of the same repository), the read-only account's repository arguments
 * with `--no-lock`, and a cache folder of its own (restic drops cached files the repository it reads lacks, so
 * an older generation would otherwise thin out the onsite cache). Lists the generations first (see
 * inspectOffsite, chooseGeneration) unless `opts.inspect` supplies the list. Throws their errors and `not-found`
 * without offsite access.
 */
export async function resolveOffsiteContext(
  onsite: ResticContext,
  repo: Repository,
  cacheDir: string,
  choice: GenerationChoice = {},
  opts: {
    signal?: AbortSignal;
    /** Where the generation list comes from (default: a fresh inspectOffsite); the engine caches it. */
    inspect?: (access: OffsiteAccess) => Promise<OffsiteListing>;
  } = {},
): Promise<OffsiteContext> {
  const access = offsiteAccessOf(repo);
  const listing = opts.inspect
    ? await opts.inspect(access)
    : await inspectOffsite(access, opts.signal ? { signal: opts.signal } : {});
  const generation = chooseGeneration(
    listing.generations,
    listing.status.ok ? listing.status.status : undefined,
    choice,
  );
  return {
    generation,
    listing,
    ctx: {
      ...onsite,
      repoArgs: offsiteRepoArgs(access, generation),
      env: { ...onsite.env, RESTIC_CACHE_DIR: join(cacheDir, 'restic-offsite') },
    },
  };
}
