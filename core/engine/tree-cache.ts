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

/** The fields of one `ls` entry the tree keeps (restic's node line or a normalised LsEntry). */
export interface TreeNode {
  readonly name: string;
  readonly type: string;
  readonly path: string;
  readonly size?: number | undefined;
  readonly mtime?: string | undefined;
}

interface Folder {
  names: string[];
  types: EntryType[];
  /** Bytes, -1 when restic gives none (folders). */
  sizes: number[];
  /** Milliseconds since the epoch (as in the one-folder listing), NaN when restic gives none. */
  mtimes: number[];
  /** All children are in (the stream has left this folder). */
  done: boolean;
}

const newFolder = (): Folder => ({ names: [], types: [], sizes: [], mtimes: [], done: false });

/**
 * One snapshot's whole tree, held compactly for the restore wizard: per folder, parallel arrays of names,
 * types, sizes and modification times, so a million entries stay well under 200 MB. Filled from
 * restic's full `ls` stream; answers a folder's children from memory once that folder is done.
 *
 * restic prints the tree depth first, each folder's node before its children and children in name order.
 * So when an entry of folder P arrives, every folder opened after P is finished: the tree keeps the chain of
 * open folders and marks folders `done` as the stream leaves them, which lets the wizard open a folder long
 * before the whole listing ends. Should a line ever arrive out of that order, early answers stop and only the
 * complete tree answers.
 *
 * Per entry the stream costs no string building: consecutive entries of one folder (the common case) are
 * recognised by comparing with the previous entry's folder instead of cutting out and looking up the parent.
 */
export class SnapshotTree {
  private readonly dirs = new Map<string, Folder>();
  private count = 0;
  private complete_ = false;
  /** The current folder of the stream: its path with no trailing `/` (`''` for the root) and its record. */
  private base = '';
  private folder: Folder;
  /** The chain of open folders from the root to the current one. */
  private readonly open: { path: string; folder: Folder }[];
  /** False once the stream broke depth-first order: then only the complete tree answers. */
  private ordered = true;
  private readonly waiters = new Map<string, ((known: boolean) => void)[]>();

  constructor() {
    this.folder = newFolder();
    this.dirs.set('/', this.folder);
    this.open = [{ path: '/', folder: this.folder }];
  }

  /** Adds one entry of the stream. */
  add(e: TreeNode): void {
    const path = e.path;
    if (path === '/') return;
    const slash = path.lastIndexOf('/');
    let folder = this.folder;
    if (slash !== this.base.length || !path.startsWith(this.base)) folder = this.enter(path, slash);
    else if (this.ordered) {
      // Still in the same folder: a sibling folder opened just before (without children, or with all of them
      // listed) is done.
      const open = this.open;
      while (open.length > 1 && open[open.length - 1]!.folder !== folder) this.finish(open.pop()!);
    }
    const type = entryType(e.type);
    folder.names.push(e.name);
    folder.types.push(type);
    folder.sizes.push(e.size ?? -1);
    folder.mtimes.push(e.mtime === undefined ? NaN : Date.parse(e.mtime));
    this.count += 1;
    if (type === 'dir') {
      let d = this.dirs.get(path);
      if (!d) {
        d = newFolder();
        this.dirs.set(path, d);
      }
      if (this.ordered) this.open.push({ path, folder: d });
    }
  }

  /** The stream moved to another folder: finishes the folders it left and returns the new one's record. */
  private enter(path: string, slash: number): Folder {
    const parent = slash <= 0 ? '/' : path.slice(0, slash);
    let folder = this.dirs.get(parent);
    if (!folder) {
      folder = newFolder();
      this.dirs.set(parent, folder);
    }
    if (this.ordered) {
      const open = this.open;
      let i = open.length - 1;
      while (i >= 0 && open[i]!.path !== parent) i--;
      if (i < 0) {
        // Not depth first after all: no folder can be called done before the end.
        this.ordered = false;
        open.length = 0;
      } else {
        while (open.length > i + 1) this.finish(open.pop()!);
      }
    }
    this.base = slash <= 0 ? '' : parent;
    this.folder = folder;
    return folder;
  }

  private finish(left: { path: string; folder: Folder }): void {
    left.folder.done = true;
    if (this.waiters.size > 0) this.wake(left.path, true);
  }

  private wake(path: string, known: boolean): void {
    const ws = this.waiters.get(path);
    if (!ws) return;
    this.waiters.delete(path);
    for (const w of ws) w(known);
  }

  /** Entries held. */
  get size(): number {
    return this.count;
  }

  /** True once the whole stream is in. */
  get complete(): boolean {
    return this.complete_;
  }

  /** The stream has ended: every folder is done. */
  finishAll(): void {
    this.complete_ = true;
    for (const f of this.dirs.values()) f.done = true;
    this.open.length = 0;
    for (const path of [...this.waiters.keys()]) this.wake(path, this.dirs.has(path));
  }

  /** The stream failed: nobody should wait for a folder any more. */
  abandon(): void {
    for (const path of [...this.waiters.keys()]) this.wake(path, false);
  }

  /** True when the folder is known (seen as a folder entry, or a parent of entries). */
  has(path: string): boolean {
    return this.dirs.has(path);
  }

  /** True when the folder's children are all in (so {@link children} is its full listing). */
  answers(path: string): boolean {
    if (this.complete_) return true;
    return this.ordered && this.dirs.get(path)?.done === true;
  }

  /**
   * Calls `cb` once, when the folder's children are all in (`true`), or with `false` when the tree will never
   * tell (the listing failed, or ended without that folder). Returns a function that cancels the wait.
   */
  watch(path: string, cb: (known: boolean) => void): () => void {
    if (this.answers(path)) {
      const known = !this.complete_ || this.dirs.has(path);
      queueMicrotask(() => cb(known));
      return () => {};
    }
    const ws = this.waiters.get(path);
    if (ws) ws.push(cb);
    else this.waiters.set(path, [cb]);
    return () => {
      const left = this.waiters.get(path);
      const i = left?.indexOf(cb) ?? -1;
      if (i < 0) return;
      left!.splice(i, 1);
      if (left!.length === 0) this.waiters.delete(path);
    };
  }

  /** A folder's children, folders first, then by name; an empty list for an unknown or empty folder. */
  children(path: string): DirEntry[] {
    const d = this.dirs.get(path);
    if (!d) return [];
    const base = path === '/' ? '' : path;
    const out: DirEntry[] = d.names.map((name, i) => {
      const e: DirEntry = { name, path: `${base}/${name}`, type: d.types[i]! };
      const size = d.sizes[i]!;
      const mtime = d.mtimes[i]!;
      if (size >= 0) e.size = size;
      if (!Number.isNaN(mtime)) e.mtime = new Date(mtime).toISOString();
      return e;
    });
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
