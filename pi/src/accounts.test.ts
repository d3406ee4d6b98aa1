import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OFFSITE_ACCOUNT, PUSH_ACCOUNT } from './accounts.js';

const root = join(import.meta.dirname, '..', '..');
const unitDir = join(root, 'pi', 'systemd');
/** The units that run on the offsite Pi (pull, push receive, re-verification): all as the run account. */
const OFFSITE_UNITS = [
  'restray-pi-sync@.service',
  'restray-pi-pull@.service',
  'restray-pi-receive@.service',
  'restray-pi-reverify@.service',
];

describe('the offsite run account', () => {
  it('is the User= and Group= of every offsite unit, with no capabilities', () => {
    for (const name of OFFSITE_UNITS) {
      const text = readFileSync(join(unitDir, name), 'utf8');
      expect(text, name).toMatch(new RegExp(`^User=${OFFSITE_ACCOUNT}$`, 'm'));
      expect(text, name).toMatch(new RegExp(`^Group=${OFFSITE_ACCOUNT}$`, 'm'));
      for (const line of ['CapabilityBoundingSet=', 'AmbientCapabilities=', 'NoNewPrivileges=true'])
        expect(text, `${name}: ${line}`).toMatch(new RegExp(`^${line}$`, 'm'));
    }
    // No unit runs as root: every service names its account.
    for (const name of readdirSync(unitDir).filter((n) => n.endsWith('.service')))
      expect(readFileSync(join(unitDir, name), 'utf8'), name).toMatch(/^User=(?!root$)\S+$/m);
  });

  it("is the account the package's postinst creates, from the same constant", () => {
    const script = readFileSync(join(root, 'scripts', 'package-pi.mjs'), 'utf8');
    expect(script).toContain("readFileSync('pi/src/accounts.ts', 'utf8')");
    expect(script).toMatch(/adduser --system --group --home \/var\/lib\/\$\{offsiteAccount\}/);
    expect(PUSH_ACCOUNT).toBe(OFFSITE_ACCOUNT);
  });
});
