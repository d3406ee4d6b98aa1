import { randomBytes } from 'node:crypto';
import { type Dirent, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { Log } from '../alerts.js';
import type { OnsiteConfig } from '../config.js';
import { PiError } from '../errors.js';
import { generationName } from '../generation-name.js';
import { classify, type RepoFile } from '../repo-files.js';
import { runRsync, rsyncFailure, type RsyncOptions } from '../link/rsync.js';
import { openSshMaster } from '../link/ssh-master.js';

/**
 * What one completed push holds: the repository's files as the onsite Pi listed them (consistency order:
 * snapshots, index, keys, config before data). Uploaded after every file it names, under a new name
 * (`manifests/<UTC time>-<random>.json`), so the offsite Pi takes exactly the files of a finished push.
 */
export const PushManifest = z
  .object({
    version: z.literal(1),
    created: z.iso.datetime({ offset: true }),
    files: z.array(
      z
        .object({
          path: z
            .string()
            .refine((p) => classify(p) !== 'other' && classify(p) !== 'locks', 'a repository file'),
          size: z.number().int().min(0),
          mtime: z.number().int(),
        })
        .strict(),
    ),
  })
  .strict();
export type PushManifest = z.infer<typeof PushManifest>;

/** Manifest names: time first, so the newest sorts last; the random part keeps two pushes in a second apart. */
export const MANIFEST_NAME = /^\d{8}T\d{6}Z-[0-9a-f]{8}\.json$/;

function listDir(repo: string, rel: string, recurse: boolean): RepoFile[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(join(repo, rel), { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: RepoFile[] = [];
  for (const e of entries) {
    const path = `${rel}/${e.name}`;
    if (e.isDirectory() && recurse) out.push(...listDir(repo, path, false));
    else if (e.isFile()) {
      const st = statSync(join(repo, path));
      out.push({ path, size: st.size, mtime: Math.floor(st.mtimeMs / 1000) });
    }
  }
  return out;
}

/**
 * Lists the local repository in the consistency order (snapshots, index, keys, config; locks; data last, so
 * every pack an index names is listed) and waits while restic locks younger than 30 minutes show an
 * operation in progress (bounded; then PiError `locked`).
 */
async function listLocalRepo(repo: string, waitSeconds: number, log: Log): Promise<RepoFile[]> {
  const began = Date.now();
  for (;;) {
    const meta = [
      ...listDir(repo, 'snapshots', false),
      ...listDir(repo, 'index', false),
      ...listDir(repo, 'keys', false),
    ];
    let config: RepoFile | undefined;
    try {
      const st = statSync(join(repo, 'config'));
      config = { path: 'config', size: st.size, mtime: Math.floor(st.mtimeMs / 1000) };
    } catch {
      throw new PiError('repo-not-found', `${repo} has no config file: it is not a restic repository.`);
    }
    const live = listDir(repo, 'locks', false).filter((f) => Date.now() / 1000 - f.mtime < 30 * 60);
    if (live.length === 0) {
      const data = listDir(repo, 'data', true);
      return [...meta, config, ...data].filter((f) => classify(f.path) !== 'other');
    }
    if (Date.now() - began >= waitSeconds * 1000)
      throw new PiError(
        'locked',
        'The repository stayed locked (an operation is in progress); nothing was pushed.',
        {
          phase: 'lock',
        },
      );
    log(`repository has ${live.length} live lock(s); waiting`);
    await new Promise((r) => setTimeout(r, Math.min(30_000, Math.max(1000, waitSeconds * 100))));
  }
}

export interface PushOutcome {
  manifest: string;
  files: number;
  /** Bytes sent over the network (rsync's count). */
  bytesSent: number;
}

/**
 * `restray-pi push` on the onsite Pi: copies the repository's new files into the offsite Pi's incoming
 * directory and then a manifest naming every file of this state. The offsite account's forced command
 * (`rrsync -wo -no-del -no-overwrite`) lets it only add files: `--ignore-existing` is enforced there, deletes are
 * refused, and it cannot reach the generations; the offsite Pi verifies, promotes and prunes on its own.
 * Files restic never changes are skipped by name, so only new files cross the network. One SSH connection for
 * both uploads. Throws PiError (network, permission, locked, repo-not-found).
 */
export async function runPush(onsite: OnsiteConfig, log: Log, now = new Date()): Promise<PushOutcome> {
  const push = onsite.push;
  if (!push)
    throw new PiError('invalid-config', 'onsite.push: push needs the offsite target (see pi/README.md).', {
      phase: 'config',
    });
  const files = await listLocalRepo(onsite.repository, push.lockWaitSeconds, log);
  const ep = push.target;
  const master = await openSshMaster(ep, push.ssh);
  const work = mkdtempSync(join(tmpdir(), 'restray-pi-push-'));
  try {
    const o: RsyncOptions = {
      rsyncPath: push.rsyncPath,
      endpoint: ep,
      ssh: push.ssh,
      timeout: push.timeout,
      bwlimitKiB: push.bwlimitKiB,
      master,
    };
    const host = `${ep.user}@${ep.host}`;
    const listFile = join(work, 'files');
    writeFileSync(listFile, files.map((f) => `${f.path}\n`).join(''));
    // No --partial-dir: the forced command's -no-overwrite forbids it (a partial file could otherwise be
    // completed into a name that already exists); an interrupted file is sent again whole.
    const r = await runRsync(
      [
        '-t',
        '--chmod=D0755,F0444',
        '--ignore-existing',
        '--stats',
        '--no-human-readable',
        `--files-from=${listFile}`,
        `${onsite.repository}/`,
        `${host}:repo/`,
      ],
      o,
    );
    if (r.exitCode !== 0) throw rsyncFailure(r, 'transfer', 'push to the offsite Pi');
    const name = `${generationName(now)}-${randomBytes(4).toString('hex')}.json`;
    const manifest: PushManifest = { version: 1, created: now.toISOString(), files };
    mkdirSync(join(work, 'm', 'manifests'), { recursive: true });
    writeFileSync(join(work, 'm', 'manifests', name), JSON.stringify(manifest));
    const m = await runRsync(['-r', '--chmod=D0755,F0444', `${join(work, 'm')}/`, `${host}:`], o);
    if (m.exitCode !== 0) throw rsyncFailure(m, 'transfer', 'push of the manifest');
    log(`pushed ${files.length} files (${r.bytesSent} bytes sent); manifest ${name}`);
    return { manifest: name, files: files.length, bytesSent: r.bytesSent + m.bytesSent };
  } finally {
    rmSync(work, { recursive: true, force: true });
    await master.close();
  }
}
