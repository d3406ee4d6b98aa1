import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Repository } from '../../contract/config.js';
import { writeFileAtomic } from '../config/atomic-write.js';
import { RestrayError, toErrorInfo } from '../errors.js';
import * as restic from '../restic/index.js';
import type { QuarantineAnswer, QuarantineQuestion } from './quarantine-verdict.js';

/*
 * Asks restic whether a snapshot needs the files the offsite Pi set aside, and keeps the answer per question
 * (snapshot and set of set-aside names: quarantineQuestion's key), so that `restray status` and the periodic
 * chain checks run restic once per new question, not on every look.
 */

/** Beyond this many packs that hold the snapshot's data, the rest are not asked one by one: all count as needed. */
export const MAX_PACKS_ASKED_ONE_BY_ONE = 8;

/**
 * restic's answer to a question, from `ctx` (best the offsite generation itself, through the read-only account:
 * the set-aside files are missing there, so restic takes their blobs from the index; onsite, restic 0.14 reads the
 * damaged pack's header and fails). One `find --pack` for all packs; only when the snapshot uses some of them and
 * there are several, one call per pack (at most MAX_PACKS_ASKED_ONE_BY_ONE) to tell which. Expected failures
 * (password, network, restic) are an answer with `ok: false`; throws only `cancelled` and bugs.
 */
export async function askRestic(
  ctx: restic.ResticContext,
  q: QuarantineQuestion,
  signal?: AbortSignal,
): Promise<QuarantineAnswer> {
  if (q.packs.length === 0) return { ok: true, key: q.key, used: [] };
  const ask = (packs: string[]) =>
    restic.findPacks(ctx, { packs, snapshot: q.snapshotId, ...(signal ? { signal } : {}) });
  try {
    const all = await ask(q.packs);
    if (all.paths.length === 0) return { ok: true, key: q.key, used: [] };
    const candidates = q.packs.filter((p) => !all.unknown.includes(p));
    if (candidates.length === 1)
      return { ok: true, key: q.key, used: [{ pack: candidates[0]!, paths: all.paths }] };
    const used: { pack: string; paths: string[] }[] = [];
    for (const [i, pack] of candidates.entries()) {
      if (i >= MAX_PACKS_ASKED_ONE_BY_ONE) {
        used.push({ pack, paths: [] });
        continue;
      }
      const one = await ask([pack]);
      if (one.paths.length > 0) used.push({ pack, paths: one.paths });
    }
    return { ok: true, key: q.key, used };
  } catch (e) {
    if (!(e instanceof RestrayError) || e.kind === 'cancelled') throw e;
    return { ok: false, key: q.key, error: toErrorInfo(e) };
  }
}

/**
 * The last successful answer per repository, one small file each under `<stateDir>/quarantine-check/` (named by
 * the repository's id, else its name). Failed answers are not kept: the next check asks again.
 */
export class QuarantineAnswerStore {
  constructor(private readonly dir: string) {}

  private file(repo: Pick<Repository, 'id' | 'name'>): string {
    return join(this.dir, `${repo.id ?? repo.name}.json`);
  }

  /** The stored answer, or undefined when there is none or it is unreadable. */
  async get(repo: Pick<Repository, 'id' | 'name'>): Promise<QuarantineAnswer | undefined> {
    try {
      const v = JSON.parse(await readFile(this.file(repo), 'utf8')) as Partial<QuarantineAnswer>;
      if (v.ok !== true || typeof v.key !== 'string' || !Array.isArray(v.used)) return undefined;
      return { ok: true, key: v.key, used: v.used };
    } catch {
      return undefined;
    }
  }

  /** Stores an answer atomically (file 0600, folder 0700). Throws the file system's errors. */
  async set(repo: Pick<Repository, 'id' | 'name'>, a: QuarantineAnswer): Promise<void> {
    await writeFileAtomic(this.file(repo), `${JSON.stringify(a)}\n`);
  }
}

/**
 * The checker the chain monitor calls: the stored answer when it is for this question, else restic's (through
 * `contextFor`, which picks the repository's context for the question's generation) stored when it succeeded.
 * A context that cannot be had (no password, offsite Pi unreachable) is a failed answer. Throws `cancelled`.
 */
export function quarantineChecker(
  store: Pick<QuarantineAnswerStore, 'get' | 'set'>,
  contextFor: (repo: Repository, generation: string, signal: AbortSignal) => Promise<restic.ResticContext>,
): (repo: Repository, q: QuarantineQuestion, signal: AbortSignal) => Promise<QuarantineAnswer> {
  return async (repo, q, signal) => {
    const kept = await store.get(repo);
    if (kept && kept.key === q.key) return kept;
    let ctx: restic.ResticContext;
    try {
      ctx = await contextFor(repo, q.generation, signal);
    } catch (e) {
      if (!(e instanceof RestrayError) || e.kind === 'cancelled') throw e;
      return { ok: false, key: q.key, error: toErrorInfo(e) };
    }
    const answer = await askRestic(ctx, q, signal);
    if (answer.ok) await store.set(repo, answer);
    return answer;
  };
}
