import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCpuHasAes, readOnsiteCpu } from '../../pi/src/link/cipher.js';
import { offsitePaths } from '../../pi/src/offsite/store.js';
import { startTwoPiLab, writeRandomFiles, type TwoPiLab } from './lab-two-pi.js';

// The pull transfer offers AES-GCM first when both CPUs have AES instructions (pi/src/cipher.ts). The onsite
// sshd here is hardened to ChaCha20-Poly1305 only: the offer must still find it, on the first run (which asks
// the onsite CPU first) and on later ones (which know it).
describe('the transfer cipher against an onsite sshd that accepts only ChaCha20-Poly1305', () => {
  let lab: TwoPiLab;
  beforeAll(async () => {
    lab = await startTwoPiLab({ sshdConfig: ['Ciphers chacha20-poly1305@openssh.com'] });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('learns the onsite CPU on the first run and syncs on every run', async () => {
    const p = offsitePaths(lab.offsite.root);
    expect(readOnsiteCpu(p)).toBeUndefined();
    for (const round of [1, 2]) {
      const src = join(lab.dir, `ws-data-${round}`);
      writeRandomFiles(src, 2, 200_000);
      await lab.restic(['backup', '--host', 'ws', src]);
      const out = await lab.sync();
      expect(out.result).toBe('ok');
      // The lab's onsite and offsite "Pis" are this machine: its CPU is what the onsite Pi reported.
      expect(readOnsiteCpu(p)).toEqual({ aes: localCpuHasAes() });
    }
  });
});
