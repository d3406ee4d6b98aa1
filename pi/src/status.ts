import { execa } from 'execa';
import { copyFileSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import {
  PI_STATUS_SCHEMA_VERSION,
  PiGuard,
  PiStatus,
  type PiGeneration,
  type PiRun,
} from '../../contract/pi-status.js';
import type { OffsiteConfig, PiConfig } from './config.js';
import { readJson, writeJsonAtomic } from './fs-util.js';
import { listGenerations, readGenerationsMeta, type OffsitePaths } from './offsite-store.js';
import { readResticCheck } from './restic-check.js';
import { readVerifyState } from './reverify.js';
import { runRsync, rsyncFailure, startRsync, type PendingRsync } from './rsync.js';
import type { SshMaster } from './ssh-master.js';

/** Guard state on disk: the contract's view plus the finding ID that `approve` binds to. */
export const GuardState = PiGuard.extend({ findingId: z.string().optional() });
export type GuardState = z.infer<typeof GuardState>;

export function readGuardState(p: OffsitePaths, threshold: number): GuardState {
  const r = GuardState.safeParse(readJson(p.guard));
  return r.success
    ? { ...r.data, threshold }
    : { state: 'ok', threshold, configChanged: false, keysChanged: false };
}

/** The last written status, if any and valid (a damaged file is treated as absent, then rewritten). */
export function readStatus(p: OffsitePaths): PiStatus | undefined {
  const r = PiStatus.safeParse(readJson(p.status));
  return r.success ? r.data : undefined;
}

/**
 * Builds the status document from the store (generations and their metadata, verification and guard state),
 * carrying `lastSuccess` forward from the previous status. Pure apart from reading state files.
 */
export function buildStatus(
  p: OffsitePaths,
  cfg: PiConfig,
  off: OffsiteConfig,
  now: Date,
  run: PiRun | undefined,
  nextRun?: string,
): PiStatus {
  const prev = readStatus(p);
  const meta = readGenerationsMeta(p);
  const verify = readVerifyState(p);
  const damagedGens = new Set(verify.damaged.flatMap((d) => d.generations));
  const generations: PiGeneration[] = listGenerations(p)
    .reverse()
    .filter((n) => meta[n])
    .map((n) => ({ ...meta[n]!, state: damagedGens.has(n) ? 'damaged' : 'verified' }));
  const lastRun = run ?? prev?.lastRun;
  const lastSuccess = run?.result === 'ok' ? run.end : prev?.lastSuccess;
  const since = lastSuccess ?? generations.at(-1)?.time;
  // Never succeeded and nothing stored: the failure alerts speak for themselves, "stale" needs a last success.
  const stale = since !== undefined && now.getTime() - Date.parse(since) > off.staleAfterHours * 3_600_000;
  const { findingId: _f, ...guard } = readGuardState(p, off.guard.maxLostShare);
  const { cursor: _c, ...verification } = verify;
  const check = readResticCheck(p);
  if (check)
    verification.resticCheck = {
      at: check.at,
      ok: check.ok,
      ...(check.message ? { message: check.message } : {}),
    };
  return PiStatus.parse({
    schemaVersion: PI_STATUS_SCHEMA_VERSION,
    updatedAt: now.toISOString(),
    host: hostname(),
    repository: cfg.name,
    ...(lastRun ? { lastRun } : {}),
    ...(lastSuccess ? { lastSuccess } : {}),
    generations,
    verification,
    guard,
    ...(nextRun ? { nextRun } : {}),
    stale,
  });
}

/** Writes state/status.json atomically (readable by all: it holds no secret). */
export function writeStatus(p: OffsitePaths, s: PiStatus): void {
  writeJsonAtomic(p.status, s, 0o644);
}

/** Where the document to publish is staged: a copy named as the target, sent into the remote directory. */
function publishDir(p: OffsitePaths): string {
  return join(p.state, 'publish');
}

/**
 * Starts the upload of the status document before it exists (see startRsync): the status account's forced
 * command and rsync's handshake run while the sync works, and publishing at the end only sends the file.
 * `--timeout=0`: it may wait for the whole run; a stalled link is still ended by the SSH keepalives.
 */
export function startPublish(
  p: OffsitePaths,
  off: OffsiteConfig,
  master?: SshMaster,
): PendingRsync | undefined {
  if (!off.publish) return undefined;
  mkdirSync(publishDir(p), { recursive: true });
  return startRsync(
    [
      '-I',
      '--chmod=F0644',
      '--files-from=-',
      `${publishDir(p)}/`,
      `${off.publish.user}@${off.publish.host}:`,
    ],
    { rsyncPath: off.rsync.rsyncPath, endpoint: off.publish, ssh: off.ssh, timeout: 0, master },
  );
}

/**
 * Copies the status file to the onsite status directory through the status-writer key, whose forced command
 * (`rrsync -wo <status dir>`) lets it write only there. rsync writes a temp file and renames it, so readers on
 * the onsite Pi never see half a document. `master`: the run's connection to the status account, when open;
 * `pending`: an upload started ahead (see {@link startPublish}), used when still alive, with one fresh attempt
 * if it fails. Throws PiError on failure.
 */
export async function publishStatus(
  p: OffsitePaths,
  off: OffsiteConfig,
  master?: SshMaster,
  pending?: PendingRsync,
): Promise<void> {
  if (!off.publish) return;
  // Upload a copy named as the target into the remote directory: rsync 3.5's rrsync (--confine-root) cannot
  // replace a file given as the destination path, but replaces one inside the destination directory.
  const dir = publishDir(p);
  mkdirSync(dir, { recursive: true });
  copyFileSync(p.status, join(dir, off.publish.file));
  if (pending && !pending.ended) {
    const r = await pending.feed(`${off.publish.file}\n`);
    if (r.exitCode === 0) return;
  } else await pending?.cancel();
  // -I: always send; a same-size document written within the same second must not be skipped.
  const r = await runRsync(
    ['-I', '--chmod=F0644', join(dir, off.publish.file), `${off.publish.user}@${off.publish.host}:`],
    {
      rsyncPath: off.rsync.rsyncPath,
      endpoint: off.publish,
      ssh: off.ssh,
      timeout: off.rsync.timeout,
      master,
    },
  );
  if (r.exitCode !== 0) throw rsyncFailure(r, 'publish', 'status upload');
}

/** Next elapse of the sync timer, from systemd (best effort: undefined without systemd or timer). */
export async function nextTimerRun(unit = 'restray-pi-sync.timer'): Promise<string | undefined> {
  try {
    const r = await execa('systemctl', ['show', '--timestamp=unix', '-P', 'NextElapseUSecRealtime', unit], {
      timeout: 5_000,
      reject: false,
    });
    const m = /^@(\d+)$/.exec(String(r.stdout).trim());
    return m ? new Date(Number(m[1]) * 1000).toISOString() : undefined;
  } catch {
    return undefined;
  }
}
