import { chmodSync, chownSync, statSync } from 'node:fs';
import type { Change } from '../provision.js';
import { userInfo } from '../provision.js';

/** Who should own a file the run account reads: `account` names it; `group` only gives its group. */
export interface Ownership {
  path: string;
  account: string;
  /** File mode, e.g. 0o600. */
  mode: number;
  /** true: root owns it and the account's group reads it (root:<account's group>); false: the account owns it. */
  groupOnly?: boolean;
  /** What the file is, for the change's description. */
  what: string;
  /** true: the file is written by an earlier change of the same plan (so it will be root's): plan it always. */
  rewritten?: boolean;
}

/**
 * The change that gives an existing (or about to be written) file to the run account with its mode, or none when
 * it already is (idempotent). Reads only; the change chowns and chmods when applied (it throws when the account
 * or the file is missing then).
 */
export async function planOwnership(o: Ownership): Promise<Change[]> {
  const info = await userInfo(o.account);
  const st = statSync(o.path, { throwIfNoEntry: false });
  const uid = (u: { uid: number }) => (o.groupOnly ? 0 : u.uid);
  if (
    !o.rewritten &&
    st &&
    info &&
    st.uid === uid(info) &&
    st.gid === info.gid &&
    (st.mode & 0o7777) === o.mode
  )
    return [];
  const owner = o.groupOnly ? `root:${o.account}'s group` : o.account;
  return [
    {
      describe: `give ${o.what} ${o.path} to ${owner} (mode ${o.mode.toString(8).padStart(4, '0')})`,
      apply: async () => {
        const u = await userInfo(o.account);
        if (!u) throw new Error(`no account ${o.account}`);
        chownSync(o.path, uid(u), u.gid);
        chmodSync(o.path, o.mode);
      },
    },
  ];
}
