import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRandomFiles } from './lab-two-pi.js';
import { notOwnedBy, startPairingLab, type PairingLab } from './lab-pairing.js';

/** The guide's command blocks marked for the lab (```sh lab offsite|onsite), in order. */
function labBlocks(markdown: string): { side: 'offsite' | 'onsite'; commands: string[] }[] {
  return [...markdown.matchAll(/^```sh lab (offsite|onsite)\n([\s\S]*?)^```$/gm)].map((m) => ({
    side: m[1] as 'offsite' | 'onsite',
    commands: m[2]!
      .replace(/\\\n/g, ' ')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#')),
  }));
}

/** Splits a command line as sh would for plain words and single or double quotes (all the guide uses). */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of line.matchAll(re)) out.push(m[1] ?? m[2]?.replace(/\\(.)/g, '$1') ?? m[3]!);
  return out;
}

describe('pi/README.md: the pairing guide, run as written in the lab', () => {
  let lab: PairingLab;
  beforeAll(async () => {
    lab = await startPairingLab();
  }, 60_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it('its sh lab blocks, with the lab names, ports and paths substituted, reach a verified generation', async () => {
    const guide = readFileSync(join(import.meta.dirname, '../../pi/README.md'), 'utf8');
    const blocks = labBlocks(guide);
    expect(blocks.map((b) => b.side)).toEqual(['offsite', 'onsite', 'offsite']);
    const lines: Record<string, string> = { workstation: lab.workstation.line };
    let backedUp = false;
    for (const { side, commands } of blocks)
      for (const command of commands) {
        const argv = words(command);
        expect(argv.slice(0, 3), command).toEqual(['sudo', 'restray-pi', 'setup']);
        const args = argv.slice(3).map((a) => {
          // A line placeholder (`restray-pair:1:<kind>:…`) becomes the line that step printed.
          const kind = /^restray-pair:1:(\w+):…$/.exec(a)?.[1];
          if (!kind) return a;
          expect(lines[kind], `no ${kind} line before: ${command}`).toBeDefined();
          return lines[kind]!;
        });
        if (args.includes('--onsite') && !backedUp) {
          // "Then let the app finish the wizard … and make a first backup."
          writeRandomFiles(join(lab.dir, 'docs'), 2, 50_000);
          await lab.workstation.restic(['init']);
          await lab.workstation.restic(['backup', '--host', 'ws', join(lab.dir, 'docs')]);
          backedUp = true;
        }
        // The lab's flags come last: they override the guide's example names (parseArgs keeps the last value).
        const r = await lab.setup([...args, ...(side === 'offsite' ? lab.flags.offsite : lab.flags.onsite)]);
        expect(r.code, `${command}\n${r.out}\n${r.err}`).toBe(0);
        const printed = r.line ? /^restray-pair:1:(\w+):/.exec(r.line)?.[1] : undefined;
        if (printed) lines[printed] = r.line!;
      }
    expect(readdirSync(join(lab.offsite.storeDir, 'laptop', 'generations'))).toHaveLength(1);
    // The first sync ran as the run account (the units' User=): the store's files are all its own.
    const uid = Number(execFileSync('id', ['-u', lab.users.offsite], { encoding: 'utf8' }).trim());
    expect(notOwnedBy(join(lab.offsite.storeDir, 'laptop'), uid)).toEqual([]);
    expect(readFileSync(join(lab.onsite.base, 'laptop', 'status', 'offsite.json'), 'utf8')).toContain(
      '"signature"',
    );
  }, 300_000);
});
