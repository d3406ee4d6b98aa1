import type { ExternalLink } from '../../contract/ipc.js';

/**
 * Pure checks behind the window and IPC hardening (Electron's security checklist): which frames may call the
 * API, where the window may navigate, which links may open in the browser.
 */

/**
 * The only pages Restray opens in the browser, by id. Each URL also appears as a literal in external-links.ts
 * (so shell.openExternal never receives a computed string); a unit test keeps the two in step.
 */
export const EXTERNAL_LINKS = {
  'restic-docs': 'https://restic.readthedocs.io/en/stable/',
  'restic-restore': 'https://restic.readthedocs.io/en/stable/050_restore.html',
} as const satisfies Record<ExternalLink, string>;

/** The id of a known help page for a URL the page tried to open (links with target=_blank), else undefined. */
export function externalLinkFor(raw: string): ExternalLink | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.port) return undefined;
  const bare = `${url.origin}${url.pathname}`;
  return (Object.keys(EXTERNAL_LINKS) as ExternalLink[]).find((id) => EXTERNAL_LINKS[id] === bare);
}

/** Compares file URLs by path only (the renderer navigates with #hash and ?query). */
function samePage(raw: string, indexUrl: string): boolean {
  try {
    const a = new URL(raw);
    const b = new URL(indexUrl);
    return a.protocol === 'file:' && b.protocol === 'file:' && a.host === b.host && a.pathname === b.pathname;
  } catch {
    return false;
  }
}

/** The window may only (re)load our own index.html. */
export function isAllowedNavigation(raw: string, indexUrl: string): boolean {
  return samePage(raw, indexUrl);
}

/** Structural subset of Electron's WebFrameMain. */
export interface FrameLike {
  url: string;
  parent: unknown;
}

/** IPC is served only to the top frame of our own file:// renderer (never an iframe or another page). */
export function isTrustedSender(frame: FrameLike | null | undefined, indexUrl: string): boolean {
  if (!frame || frame.parent) return false;
  return samePage(frame.url, indexUrl);
}
