import { shell } from 'electron';
import type { ExternalLink } from '../../contract/ipc.js';

/**
 * Opens a known help page. Every call passes a string literal: no URL computed from renderer input ever
 * reaches shell.openExternal (electronegativity's OPEN_EXTERNAL check holds without suppressions).
 */
export async function openExternalLink(link: ExternalLink): Promise<void> {
  switch (link) {
    case 'restic-docs':
      return shell.openExternal('https://restic.readthedocs.io/en/stable/');
    case 'restic-restore':
      return shell.openExternal('https://restic.readthedocs.io/en/stable/050_restore.html');
  }
}
