import { existsSync, linkSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Log } from '../alerts.js';
import { PiError } from '../errors.js';
import { readJson } from '../fs-util.js';
import { generationName } from '../generation-name.js';
import type { HashMismatch } from '../hash.js';
import { MANIFEST_NAME, PushManifest } from '../onsite/push.js';
import { fileId } from '../repo-files.js';
import { crashPoint } from './crash-point.js';
import { settleDamaged, type DamageOutcome } from './quarantine.js';
import { sourceChangedSince, type OffsiteRun, type SyncOutcome } from './run.js';

/** The newest readable manifest in incoming/manifests (older or unreadable ones are left for tidying). */
function newestManifest(incoming: string, log: Log): { name: string; manifest: PushManifest } | undefined {
  let names: string[];
  try {
    names = readdirSync(join(incoming, 'manifests')).filter((n) => MANIFEST_NAME.test(n));
  } catch {
    return undefined;
  }
  // A manifest dated more than a day ahead (a wrong clock onsite) must not pin every later run to it.
  const limit = generationName(new Date(Date.now() + 86_400_000));
  for (const name of names
    .filter((n) => n.slice(0, 16) <= limit)
    .sort()
    .reverse()) {
    const path = join(incoming, 'manifests', name);
    if (!lstatSync(path).isFile()) continue;
    const r = PushManifest.safeParse(readJson(path));
    if (r.success) return { name, manifest: r.data };
    log(`push: manifest ${name} is not valid; ignored`);
  }
  return undefined;
}

/**
 * The source phases of push mode (`restray-pi sync` with `offsite.mode: "push"`), then the run's common end
 * ({@link OffsiteRun.conclude}): takes the newest manifest the onsite Pi uploaded into incoming/ and builds the
 * generation in the run's staging folder from exactly the files it names — unchanged files as hardlinks to the
 * newest generation, new files as hardlinks to the pushed file after this Pi has taken it over (owner root, mode
 * 0444: the push account can no longer change it; symlinks and other non-files are refused) and verified its
 * SHA-256 against its name. A file that fails verification is moved to state/quarantine (so the next push sends
 * it again) and then healed from an earlier generation or left out of the generation (see quarantine.ts). After a promotion, pushed files that the onsite repository
 * no longer has (pruned there) and older manifests are removed from incoming/.
 *
 * Throws PiError for expected failures (the caller turns them into a failed run).
 */
export async function receivePush(run: OffsiteRun): Promise<SyncOutcome> {
  const { o, off, p, staging, pool, log } = run;
  const incoming = off.incoming ?? p.incoming;
  const repo = join(incoming, 'repo');
  const { dir: prevDir, map: prevMap, rotten } = run.previous();

  run.phase = 'list';
  const found = newestManifest(incoming, log);
  if (!found) return run.skipped('push: no completed push in incoming/ yet; nothing to do');
  const current = found.manifest.files;
  if (o.ifChanged && prevMap && !sourceChangedSince(current, prevMap))
    return run.skipped('push: the newest push holds no new snapshots, keys or config; nothing to do');
  run.pingStart();
  o.onPhase?.('list', { bytes: 0 });
  crashPoint('list:done');

  const verdict = run.judge(current);
  if (verdict.blocked) return await run.blocked(verdict);

  run.phase = 'transfer';
  const missing: string[] = [];
  const fresh: typeof current = [];
  for (const f of current) {
    const dst = join(staging, f.path);
    mkdirSync(dirname(dst), { recursive: true, mode: 0o755 });
    const prev = prevMap?.get(f.path);
    if (
      f.path !== 'config' &&
      prev &&
      prev.size === f.size &&
      prev.mtime === f.mtime &&
      !rotten.has(f.path)
    ) {
      linkSync(join(prevDir!, f.path), dst);
      continue;
    }
    let st;
    try {
      st = lstatSync(join(repo, f.path));
    } catch {
      st = undefined;
    }
    if (!st?.isFile() || st.size !== f.size) missing.push(f.path);
    else fresh.push(f);
  }
  if (missing.length > 0)
    throw new PiError(
      'failed',
      `The push ${found.name} is incomplete: ${missing.length} file(s) it names are missing or of another size in incoming/ (first: ${missing[0]}). Nothing was promoted.`,
      { phase: 'transfer', hint: 'Run restray-pi push on the onsite Pi again.' },
    );
  crashPoint('transfer:done');

  run.phase = 'verify';
  const bad: HashMismatch[] = [];
  await Promise.all(
    fresh.map(async (f) => {
      const src = join(repo, f.path);
      const r = await pool.hash({ path: src, seize: true, sync: true });
      crashPoint('verify:file');
      const want = fileId(f.path);
      if ('error' in r || (want !== undefined && r.hex !== want)) {
        bad.push({ file: f.path, actual: 'error' in r ? r.error : r.hex });
        return;
      }
      // Link exactly the inode that was taken over and hashed.
      if (lstatSync(src).ino !== r.ino) {
        bad.push({ file: f.path, actual: 'replaced' });
        return;
      }
      linkSync(src, join(staging, f.path));
      run.bytes += f.size;
    }),
  );
  run.transferred = fresh.length;
  run.verified += fresh.filter((f) => fileId(f.path)).length;
  let damage: DamageOutcome | undefined;
  if (bad.length > 0) {
    // Out of incoming/, so the next push (which skips existing names) sends these files again.
    const q = join(p.quarantine, found.name.replace(/\.json$/, ''));
    for (const b of bad) {
      const from = join(repo, b.file);
      if (!existsSync(from)) continue;
      mkdirSync(dirname(join(q, b.file)), { recursive: true, mode: 0o700 });
      renameSync(from, join(q, b.file));
    }
    // No single file stops the copy: healed from an earlier generation, or left out (quarantined).
    damage = await settleDamaged(p, staging, bad, pool, run.now());
    log(`push: ${bad.length} file(s) did not match their SHA-256; moved to ${q}`);
  }
  o.onPhase?.('verify', { bytes: run.bytes });
  crashPoint('verify:done');

  if (run.checkConfig(verdict)) return await run.blocked(verdict);
  // As in pull mode: judged again without the quarantined files.
  const final = run.rejudge(verdict, current, damage);
  if (final.blocked) return await run.blocked(final);
  const out = await run.conclude(final, undefined, damage);
  if (out.result === 'ok') tidyIncoming(incoming, found.name, current, prevMap, log);
  return out;
}

/**
 * After a promotion: removes pushed files the onsite repository no longer has (they were in the previous
 * generation and are not in the newest push: pruned onsite) and manifests older than the one just promoted.
 * Files of a push still under way (in no generation yet) are left alone.
 */
function tidyIncoming(
  incoming: string,
  manifest: string,
  current: readonly { path: string }[],
  prevMap: ReadonlyMap<string, unknown> | undefined,
  log: Log,
): void {
  const keep = new Set(current.map((f) => f.path));
  let removed = 0;
  for (const path of prevMap?.keys() ?? []) {
    if (keep.has(path) || path.startsWith('locks/')) continue;
    const f = join(incoming, 'repo', path);
    if (existsSync(f)) {
      rmSync(f, { force: true });
      removed++;
    }
  }
  for (const n of readdirSync(join(incoming, 'manifests')))
    if (MANIFEST_NAME.test(n) && n < manifest) rmSync(join(incoming, 'manifests', n), { force: true });
  if (removed > 0) log(`push: removed ${removed} file(s) from incoming/ that the onsite repository pruned`);
}
