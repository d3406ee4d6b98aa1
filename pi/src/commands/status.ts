import { parseArgs } from 'node:util';
import type { PiStatus } from '../../../contract/pi-status.js';
import { requireOffsite } from '../config.js';
import { EXIT } from '../errors.js';
import { offsitePaths } from '../offsite/store.js';
import { buildStatus } from '../offsite/status.js';
import { keyFingerprint, loadSigningKey, publicKeyBase64 } from '../offsite/status-signing.js';
import { loadAll, type CommandIo } from './common.js';

export const statusHelp = `restray-pi status [--json] [--config FILE]
restray-pi status --signing-key [--config FILE]

Shows the offsite status (the same document that is published to the onsite Pi, there signed).
--signing-key prints the fingerprint of the key that signs it (made now if there is none yet) and the
command that pins it on a workstation; run it as the user that runs restray-pi sync.
Exit: 0 healthy, 1 last run failed, 3 blocked, 6 stale (no success within staleAfterHours).`;

function human(s: PiStatus): string {
  const lines = [
    `repository  ${s.repository} on ${s.host}`,
    `last run    ${s.lastRun ? `${s.lastRun.result} at ${s.lastRun.end} (${s.lastRun.bytesTransferred} bytes, ${s.lastRun.filesVerified} files verified)` : 'never'}`,
  ];
  if (s.lastRun?.error) lines.push(`            ${s.lastRun.error.message}`);
  lines.push(`last ok     ${s.lastSuccess ?? 'never'}${s.stale ? '  (STALE)' : ''}`);
  lines.push(`guard       ${s.guard.state}${s.guard.reason ? `: ${s.guard.reason}` : ''}`);
  lines.push(
    `verify      ${s.verification.checkedFiles}/${s.verification.totalFiles} files in this rotation; last full pass ${s.verification.lastFullPassAt ?? 'not yet'}; ${s.verification.damaged.length} damaged`,
  );
  if (s.nextRun) lines.push(`next run    ${s.nextRun}`);
  lines.push(`generations ${s.generations.length}`);
  for (const g of s.generations) {
    lines.push(
      `  ${g.name}  ${g.state.padEnd(8)}  ${g.snapshotIds.length} snapshots  ${g.fileCount} files  ${g.sizeBytes} bytes (${g.newBytes} new)`,
    );
    if (g.quarantined?.length) lines.push(`    quarantined (left out): ${g.quarantined.join(', ')}`);
  }
  return lines.join('\n');
}

export async function statusCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      json: { type: 'boolean' },
      'signing-key': { type: 'boolean' },
    },
    strict: true,
  });
  const { config } = loadAll(values.config, io);
  const off = requireOffsite(config);
  if (values['signing-key']) {
    const fingerprint = keyFingerprint(publicKeyBase64(loadSigningKey(off.root)));
    io.out(
      values.json
        ? JSON.stringify({ fingerprint, repository: config.name })
        : `status key  ${fingerprint}\n\nOn the workstation: restray repo offsite ${config.name} --status-key ${fingerprint}`,
    );
    return EXIT.ok;
  }
  // Rebuilt on read so `stale` reflects now, not the time of the last run.
  const s = buildStatus(offsitePaths(off.root), config, off, new Date(), undefined);
  io.out(values.json ? JSON.stringify(s, null, 2) : human(s));
  if (s.guard.state === 'blocked') return EXIT.blocked;
  if (s.lastRun?.result === 'failed') return EXIT.failed;
  return s.stale ? EXIT.stale : EXIT.ok;
}
