/** What restic keeps in a repository, as seen by a file listing. */

/** A regular file in the repository: path relative to the root, size and modification time (s since epoch). */
export interface RepoFile {
  path: string;
  size: number;
  mtime: number;
}

export type RepoFileClass = 'config' | 'keys' | 'snapshots' | 'index' | 'data' | 'locks' | 'other';

const ID = /^[0-9a-f]{64}$/;

/**
 * Classifies a repository path. Only names restic itself would read count: 64-hex IDs in keys/, snapshots/,
 * index/, data/<2 hex>/ (whose directory matches the ID's first two characters) and the top-level `config`.
 * Everything else (temp files, partial dirs) is `other` and is neither copied nor verified.
 */
export function classify(path: string): RepoFileClass {
  if (path === 'config') return 'config';
  const parts = path.split('/');
  if (parts[0] === 'locks') return 'locks';
  if (parts.length === 2 && ID.test(parts[1]!)) {
    if (parts[0] === 'keys' || parts[0] === 'snapshots' || parts[0] === 'index') return parts[0];
  }
  if (
    parts.length === 3 &&
    parts[0] === 'data' &&
    ID.test(parts[2]!) &&
    parts[2]!.startsWith(parts[1]!) &&
    parts[1]!.length === 2
  )
    return 'data';
  return 'other';
}

/** The ID of a content-addressed file (its name), or undefined for config and others. */
export function fileId(path: string): string | undefined {
  const c = classify(path);
  return c === 'config' || c === 'other' || c === 'locks' ? undefined : path.slice(path.lastIndexOf('/') + 1);
}

/**
 * Parses `rsync --list-only --no-human-readable` output (run with TZ=UTC so times are UTC) into regular files;
 * directories and symlinks are skipped. A line rsync adds for a source argument's own path prefix is kept as
 * printed: callers pass `prefix` when they listed a subdirectory (e.g. `data/`).
 */
export function parseListing(text: string, prefix = ''): RepoFile[] {
  const out: RepoFile[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S{10})\s+(\d+)\s+(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2}) (.+)$/.exec(line);
    if (!m || !m[1]!.startsWith('-')) continue;
    const [, , size, y, mo, d, h, mi, s, name] = m;
    const mtime = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!) / 1000;
    out.push({ path: prefix + name!, size: Number(size), mtime });
  }
  return out;
}

/**
 * The command the offsite pull key sends for the full listing. Its forced command on the onsite Pi answers it
 * with find(1) over snapshots, index, keys, config, locks and data, each read completely before the next (the
 * consistency order), one `size mtime path` record per regular file, NUL-terminated (see provision.ts).
 */
export const REPO_LIST = 'restray-list';

/** Parses the {@link REPO_LIST} answer (`%s %T@ %p\0` records; mtime with a fraction, cut to whole seconds). */
export function parseFindListing(text: string): RepoFile[] {
  const out: RepoFile[] = [];
  for (const rec of text.split('\0')) {
    const m = /^(\d+) (\d+)(?:\.\d*)? (.+)$/s.exec(rec);
    if (m) out.push({ path: m[3]!, size: Number(m[1]), mtime: Number(m[2]) });
  }
  return out;
}
