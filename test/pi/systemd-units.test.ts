import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The rules every packaged unit keeps (pi/systemd/, installed by the Debian package); systemd-analyze verify of
// the installed units is in deb-package.test.ts.

const dir = join(import.meta.dirname, '..', '..', 'pi', 'systemd');
const units = readdirSync(dir).map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
const services = units.filter((u) => u.name.endsWith('.service'));
/** Credentials a unit cannot work without: there a unit that fails to start (exit 243) is the right outcome. */
const REQUIRED_CREDENTIALS: Record<string, string[]> = {
  'restray-pi-maintain@.service': ['restic-password'],
};

describe('pi/systemd units', () => {
  it('are all templates, one instance per configuration name', () => {
    expect(units.length).toBeGreaterThanOrEqual(13);
    for (const u of units) expect(u.name, u.name).toMatch(/^restray-pi-[a-z]+@\.(service|timer|path)$/);
    for (const u of units.filter((x) => !x.name.endsWith('.service')))
      for (const target of u.text.matchAll(/^Unit=(.*)$/gm)) expect(target[1]).toMatch(/@%i\.service$/);
  });

  it('run /usr/bin/restray-pi with the instance’s configuration, hardened', () => {
    for (const s of services) {
      const exec = [...s.text.matchAll(/^ExecStart=(.*)$/gm)].map((m) => m[1]);
      expect(exec, s.name).toHaveLength(1);
      expect(exec[0], s.name).toMatch(
        /^\/usr\/bin\/restray-pi [a-z]+ --config \/etc\/restray-pi\/%i\.json( |$)/,
      );
      for (const line of [
        'ProtectSystem=strict',
        'ProtectHome=true',
        'PrivateTmp=true',
        'NoNewPrivileges=true',
        // Stopping or killing a run ends every process it started (see pi/README.md, "A crash at any moment").
        'KillMode=control-group',
      ])
        expect(s.text, `${s.name}: ${line}`).toContain(`\n${line}\n`);
      // Writable paths are the instance's own folder, and optional ('-'): a missing one is restray-pi's error.
      for (const m of s.text.matchAll(/^ReadWritePaths=(.*)$/gm))
        expect(m[1], s.name).toMatch(/^-\/srv\/restray(-offsite)?\/%i$/);
    }
  });

  it('load no optional credential in the ID:PATH form (a missing file would stop the unit)', () => {
    for (const s of services) {
      const ids = [...s.text.matchAll(/^LoadCredential=([^:\n]+)(:.*)?$/gm)]
        .filter((m) => m[2] !== undefined)
        .map((m) => m[1]);
      expect(ids, s.name).toEqual(REQUIRED_CREDENTIALS[s.name] ?? []);
    }
  });
});
