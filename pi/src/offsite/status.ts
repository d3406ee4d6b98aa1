import { execa } from 'execa';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import {
  PI_STATUS_SCHEMA_VERSION,
  PiGuard,
  PiStatus,
  parsePiStatus,
  type PiGeneration,
  type PiRun,
} from '../../../contract/pi-status.js';
import type { OffsiteConfig, PiConfig } from '../config.js';
import { readJson, writeFileAtomic } from '../fs-util.js';
import { listGenerations, readGenerationsMeta, type OffsitePaths } from './store.js';
import { readResticCheck } from './restic-check.js';
import { readVerifyState } from './reverify.js';
import { PiError } from '../errors.js';
import { tiedToRun } from '../link/tied-child.js';
import { runRsync, rsyncFailure } from '../link/rsync.js';
import { classifyLinkFailure, sshArgs } from '../link/ssh.js';
import { syncTimerOfThisUnit } from '../sync-timer.js';

/**
 * Guard state on disk: the contract's view plus the finding ID that `approve` binds to and the generation an
 * approved run promoted (`baseline`: older generations no longer serve as the guard's reference).
 */
export const GuardState = PiGuard.extend({
  findingId: z.string().optional(),
  baseline: z.string().optional(),
});
export type GuardState = z.infer<typeof GuardState>;

export function readGuardState(p: OffsitePaths, threshold: number): GuardState {
  const r = GuardState.safeParse(readJson(p.guard));
  return r.success
    ? { ...r.data, threshold }
    : { state: 'ok', threshold, configChanged: false, keysChanged: false };
}

/**
 * The last written status (signed envelope or an older unsigned document), if any and valid (a damaged file is
 * treated as absent, then rewritten). Its own file: the signature is not checked here.
 */
export function readStatus(p: OffsitePaths): PiStatus | undefined {
  const r = parsePiStatus(readJson(p.status));
  return r.ok ? r.status : undefined;
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
  const { findingId: _f, baseline: _b, ...guard } = readGuardState(p, off.guard.maxLostShare);
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
    // Monotonic for replay checks (contract: PiStatus.sequence), also across a clock set back.
    sequence: Math.max((prev?.sequence ?? 0) + 1, now.getTime()),
  });
}

/** The unsigned status document (version 1), for display; what is stored and published is signed. */
export function statusText(s: PiStatus): string {
  return JSON.stringify(s, null, 2) + '\n';
}

/** Writes state/status.json atomically (readable by all: it holds no secret). */
export function writeStatus(p: OffsitePaths, text: string): void {
  writeFileAtomic(p.status, text, 0o644);
}

/** Where the document to publish is staged for the rsync upload (see {@link publishStatus}). */
function publishDir(p: OffsitePaths): string {
  return join(p.state, 'publish');
}

/**
 * The command the offsite status key sends. Its forced command on the onsite Pi (see provision.ts) reads a
 * length line and the document from stdin, writes a temp file and renames it to offsite.json once complete.
 */
export const STATUS_PUT = 'restray-put-status';

/** A status upload whose connection is up before the document exists (see {@link startPublish}). */
export interface PendingPublish {
  /**
   * Sends the document (unless the connection already ended: refused, link lost; then not ok) and waits for the
   * onsite Pi to have stored it; resolves with ssh's outcome and stderr.
   */
  send(text: string): Promise<{ ok: boolean; stderr: string }>;
  /** Ends the connection when the document is never going to be sent. Idempotent. */
  cancel(): Promise<void>;
}

/**
 * Key exchanges for the status upload, classic X25519 first. OpenSSH ≥ 9.0 starts with a post-quantum hybrid
 * (sntrup761x25519), which costs each side ~100 ms of CPU on a 2-core x86 and several times that on a Pi, on
 * every run. What it protects, a recorded session's secrecy against a future quantum computer, is worth little
 * here: the document is published for every workstation to read anyway (times, sizes, snapshot IDs, no secret),
 * and authentication is not weakened. The repository transfer keeps OpenSSH's default. Every name here is known
 * to OpenSSH ≥ 7.4; an onsite sshd that accepts none of them gets a second attempt with the default list.
 */
const LIGHT_KEX = ['curve25519-sha256', 'curve25519-sha256@libssh.org', 'ecdh-sha2-nistp256'];

/**
 * Opens the status upload ahead of the run's end: the SSH handshake and the forced command's start happen while
 * the sync works, so publishing at the end is one write. Keepalives end a stalled link. `kex`: the light list
 * above (default) or OpenSSH's own.
 */
export function startPublish(
  off: OffsiteConfig,
  kex: 'light' | 'default' = 'light',
): PendingPublish | undefined {
  if (!off.publish) return undefined;
  const ep = off.publish;
  const args = [
    ...sshArgs(ep, { ...off.ssh, ...(kex === 'light' ? { kexAlgorithms: LIGHT_KEX } : {}) }),
    `${ep.user}@${ep.host}`,
    STATUS_PUT,
  ];
  const sub = execa(...tiedToRun('ssh', args), {
    reject: false,
    stdin: 'pipe',
    stdout: 'ignore',
    env: { LC_ALL: 'C' },
    extendEnv: true,
    forceKillAfterDelay: 5_000,
    maxBuffer: 64 * 1024,
  });
  sub.stdin?.on('error', () => undefined);
  let sent = false;
  let ended = false;
  const done = sub.then((r) => {
    ended = !sent;
    // Without the document the forced command cannot succeed; an early end is never a publication.
    return { ok: sent && r.exitCode === 0, stderr: String(r.stderr ?? '') };
  });
  return {
    send(text) {
      if (!ended) {
        sent = true;
        sub.stdin?.end(`${Buffer.byteLength(text)}\n${text}`);
      }
      return done;
    },
    async cancel() {
      if (sent || ended) return;
      sent = true;
      sub.kill('SIGTERM');
      await done;
    },
  };
}

/**
 * Uploads the status document (`text`, as written to state/status.json) to the onsite status directory through
 * the status-writer key, which may replace offsite.json and nothing else; readers on the onsite Pi never see
 * half a document. `pending`: the upload opened ahead (see {@link startPublish}). An onsite Pi provisioned
 * before that forced command (`rrsync -wo`) refuses it: then the document goes by rsync, and the log says to
 * provision the onsite Pi again. Throws PiError on failure.
 */
export async function publishStatus(
  p: OffsitePaths,
  off: OffsiteConfig,
  text: string,
  pending?: PendingPublish,
  log?: (line: string) => void,
): Promise<void> {
  if (!off.publish) return;
  let refused = (await pending?.send(text)) ?? { ok: false, stderr: '' };
  if (refused.ok) return;
  if (!/rrsync/i.test(refused.stderr)) {
    // Not opened ahead, or its connection ended (a stall, a cut, no common key exchange): one fresh attempt with
    // OpenSSH's default key exchanges.
    refused = await startPublish(off, 'default')!.send(text);
    if (refused.ok) return;
    if (!/rrsync/i.test(refused.stderr)) {
      const link = classifyLinkFailure(refused.stderr);
      throw new PiError(
        link?.kind ?? 'failed',
        link?.message ?? 'The onsite Pi did not store the status document.',
        {
          phase: 'publish',
          hint:
            link?.hint ??
            'Check the status key there: `restray-pi provision onsite --dry-run` shows its forced command.',
        },
      );
    }
  }
  // Upload a copy named as the target into the remote directory: rsync 3.5's rrsync (--confine-root) cannot
  // replace a file given as the destination path, but replaces one inside the destination directory.
  const dir = publishDir(p);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, off.publish.file), text, { mode: 0o644 });
  // -I: always send; a same-size document written within the same second must not be skipped.
  const r = await runRsync(
    ['-I', '--chmod=F0644', join(dir, off.publish.file), `${off.publish.user}@${off.publish.host}:`],
    { rsyncPath: off.rsync.rsyncPath, endpoint: off.publish, ssh: off.ssh, timeout: off.rsync.timeout },
  );
  if (r.exitCode !== 0) throw rsyncFailure(r, 'publish', 'status upload');
  log?.(
    'publish: the onsite status key still has the forced command rrsync -wo; run `restray-pi provision onsite` there again (a faster upload)',
  );
}

/**
 * Next elapse of the sync timer, from systemd (best effort: undefined without systemd or timer). Without a
 * running systemd (`/run/systemd/system` is how sd_booted() tells) there is no timer to ask about. The default
 * timer is the templated one of the unit this run is in (see syncTimerOfThisUnit), else the untemplated name.
 */
export async function nextTimerRun(
  unit = syncTimerOfThisUnit() ?? 'restray-pi-sync.timer',
): Promise<string | undefined> {
  if (!existsSync('/run/systemd/system')) return undefined;
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
