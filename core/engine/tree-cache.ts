import type { DirEntry, EntryType } from '../../contract/browse.js';
import type { LsEntry } from '../../contract/restic.js';

/** restic's node type in the contract's four kinds. */
export function entryType(type: string): EntryType {
  return type === 'dir' || type === 'file' || type === 'symlink' ? type : 'other';
}

/** The parent folder of a snapshot path (`/a/b` → `/a`, `/a` → `/`). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/**
 * One snapshot's whole tree, held compactly for the restore wizard: per folder, parallel arrays of names,
 * types, sizes and modification times (seconds), so a million entries stay well under 200 MB. Filled from
 * restic's full `ls` stream; answers a folder's children from memory once complete.
 */
export class SnapshotTree {
  private readonly dirs = new Map<
    string,
    { names: string[]; types: EntryType[]; sizes: number[]; mtimes: number[] }
  >();
  private count = 0;
  complete = false;

  /** Adds one entry of the stream. */
  add(e: LsEntry): void {
    if (e.path === '/') return;
    const parent = parentPath(e.path);
    let d = this.dirs.get(parent);
    if (!d) {
      d = { names: [], types: [], sizes: [], mtimes: [] };
      this.dirs.set(parent, d);
    }
    d.names.push(e.name);
    d.types.push(entryType(e.type));
    d.sizes.push(e.size ?? -1);
    d.mtimes.push(e.mtime ? Math.floor(Date.parse(e.mtime) / 1000) : -1);
    this.count += 1;
  }

  /** Entries held. */
  get size(): number {
    return this.count;
  }

  /** True when the folder is known (it has children, or it is an empty folder seen as an entry). */
  has(path: string): boolean {
    return this.dirs.has(path);
  }

  /** A folder's children, folders first, then by name; an empty list for an unknown or empty folder. */
  children(path: string): DirEntry[] {
    const d = this.dirs.get(path);
    if (!d) return [];
    const base = path === '/' ? '' : path;
    const out: DirEntry[] = d.names.map((name, i) => ({
      name,
      path: `${base}/${name}`,
      type: d.types[i]!,
      ...(d.sizes[i]! >= 0 ? { size: d.sizes[i]! } : {}),
      ...(d.mtimes[i]! >= 0 ? { mtime: new Date(d.mtimes[i]! * 1000).toISOString() } : {}),
    }));
    return sortEntries(out);
  }
}

/** Folders first, then by name (locale-aware, numeric). */
export function sortEntries(entries: DirEntry[]): DirEntry[] {
  return entries.sort((a, b) => {
    if ((a.type === 'dir') !== (b.type === 'dir')) return a.type === 'dir' ? -1 : 1;
    return a.name.localeCompare(b.name, undefined, { numeric: true });
  });
}

/** restic's ls entry as a contract DirEntry. */
export function toDirEntry(e: LsEntry): DirEntry {
  return {
    name: e.name,
    path: e.path,
    type: entryType(e.type),
    ...(e.size === undefined ? {} : { size: e.size }),
    ...(e.mtime === undefined ? {} : { mtime: new Date(e.mtime).toISOString() }),
  };
}
