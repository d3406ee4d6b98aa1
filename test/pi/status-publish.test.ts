import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePiStatus } from '../../contract/pi-status.js';
import { startTwoPiLab, writeRandomFiles, type TwoPiLab } from './lab-two-pi.js';

// The status upload offers classic key exchanges first (see LIGHT_KEX in pi/src/status.ts); an onsite sshd
// hardened to post-quantum key exchange only must still receive the document.
describe('status publishing to an onsite sshd that accepts only a post-quantum key exchange', () => {
  let lab: TwoPiLab;
  beforeAll(async () => {
    lab = await startTwoPiLab({ sshdConfig: ['KexAlgorithms sntrup761x25519-sha512@openssh.com'] });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('publishes through a second attempt with OpenSSH’s default key exchanges, without a warning', async () => {
    const src = join(lab.dir, 'ws-data');
    writeRandomFiles(src, 2, 100_000);
    await lab.restic(['backup', '--host', 'ws', src]);
    const logged: string[] = [];
    const out = await lab.sync({ log: (l: string) => logged.push(l) });
    expect(out.result).toBe('ok');
    const published = parsePiStatus(
      JSON.parse(readFileSync(join(lab.onsite.statusDir, 'offsite.json'), 'utf8')),
    );
    expect(published.ok && published.status.lastRun?.promoted).toBe(out.promoted);
    expect(logged.filter((l) => /publish/i.test(l))).toEqual([]);
  });
});
