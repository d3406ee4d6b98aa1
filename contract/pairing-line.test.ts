import { describe, expect, it } from 'vitest';
import {
  encodePairingLine,
  OffsitePairing,
  OnsitePairing,
  pairingErrorText,
  parsePairingLine,
  WorkstationPairing,
  type PairingProblem,
} from './pairing-line.js';

const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGVkMjU1MTkgcHVibGljIGtleSBmb3IgdGVzdHMhISE laptop';
const offsite = {
  name: 'offsite-pi',
  keys: 'main',
  pullKey: key.replace('laptop', 'pull'),
  statusKey: key.replace('laptop', 'status'),
  signingKey: `SHA256:${'a'.repeat(43)}`,
};
const onsite = {
  name: 'laptop',
  keys: 'main',
  host: 'onsite.fritz.box',
  port: 22,
  hostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGhvc3Qga2V5',
  hostKeyFingerprint: `SHA256:${'B'.repeat(43)}`,
  pullUser: 'restray-pull',
  statusUser: 'restray-status',
  repo: '/srv/restray/laptop/repo',
  statusDir: '/srv/restray/laptop/status',
};

describe('pairing lines', () => {
  it('round-trip each kind, as one line of URL-safe characters', () => {
    const lines = [
      encodePairingLine('workstation', {
        name: 'laptop',
        key,
        mode: 'append-only',
        user: 'restray',
        path: '/srv/restray/laptop/repo',
      }),
      encodePairingLine('offsite', offsite),
      encodePairingLine('onsite', onsite),
    ];
    for (const l of lines) expect(l).toMatch(/^restray-pair:1:[a-z]+:[A-Za-z0-9_-]+:[0-9a-f]{8}$/);
    expect(parsePairingLine(lines[1]!, 'offsite')).toEqual({ ok: true, kind: 'offsite', payload: offsite });
    expect(parsePairingLine(lines[2]!, 'onsite')).toEqual({ ok: true, kind: 'onsite', payload: onsite });
    // Pasting adds quotes, line breaks and spaces: all ignored.
    const mangled = `'${lines[0]!.slice(0, 30)}\n  ${lines[0]!.slice(30)}'\n`;
    expect(parsePairingLine(mangled, 'workstation')).toMatchObject({ ok: true, payload: { name: 'laptop' } });
  });

  it('refuse every truncation and every single-character change', () => {
    const line = encodePairingLine('onsite', onsite);
    for (let n = 1; n < line.length; n++) {
      const r = parsePairingLine(line.slice(0, n), 'onsite');
      expect(r.ok, `cut at ${n}`).toBe(false);
    }
    for (let i = 0; i < line.length; i++) {
      const c = line[i] === 'A' ? 'B' : 'A';
      const changed = line.slice(0, i) + c + line.slice(i + 1);
      expect(parsePairingLine(changed, 'onsite').ok, `changed at ${i}`).toBe(false);
    }
  });

  it('name the problem: other kind, other version, not a line, bad payload', () => {
    const off = encodePairingLine('offsite', offsite);
    expect(parsePairingLine(off, 'onsite')).toMatchObject({
      ok: false,
      problem: 'wrong-kind',
      got: 'offsite',
    });
    expect(parsePairingLine('ssh-ed25519 AAAA', 'onsite')).toMatchObject({ problem: 'not-a-line' });
    expect(parsePairingLine(off.slice(0, 40), 'offsite')).toMatchObject({ problem: 'checksum' });
    expect(parsePairingLine(off.replace(':1:', ':2:'), 'offsite')).toMatchObject({ problem: 'version' });
    // A well-formed line whose payload breaks the schema (a hand-made line) is refused with the field named.
    const forged = forge('onsite', { ...onsite, repo: 'relative/path' });
    const r = parsePairingLine(forged, 'onsite');
    expect(r).toMatchObject({ ok: false, problem: 'payload' });
    expect(!r.ok && r.problem === 'payload' && r.detail).toMatch(/^repo:/);
  });

  it('carry no secret: the schemas refuse any extra field and private key material', () => {
    const secretish = { ...offsite, password: 'hunter2' };
    expect(OffsitePairing.safeParse(secretish).success).toBe(false);
    expect(parsePairingLine(forge('offsite', secretish), 'offsite')).toMatchObject({ problem: 'payload' });
    expect(
      WorkstationPairing.safeParse({
        name: 'x',
        // Built here so that no private-key header stands in the source.
        key: ['-----BEGIN OPENSSH', 'PRIVATE KEY-----'].join(' '),
        mode: 'sftp',
        user: 'restray',
        path: '/srv/x',
      }).success,
    ).toBe(false);
    expect(OnsitePairing.safeParse({ ...onsite, token: 'x' }).success).toBe(false);
    // Paths: absolute, normal, no quotes or control characters (they end up in forced commands).
    for (const repo of [
      'relative',
      '/srv/../etc',
      '/srv/./x',
      '/srv//x',
      "/srv/a'b",
      '/srv/a\nb',
      '/srv/a"b',
      '/',
    ])
      expect(OnsitePairing.safeParse({ ...onsite, repo }).success, repo).toBe(false);
    expect(OnsitePairing.safeParse({ ...onsite, repo: '/srv/my backups/repo' }).success).toBe(true);
    expect(() => encodePairingLine('offsite', secretish)).toThrow();
    // Every string field of each schema is a key, fingerprint, name, host, account or path (listed here, so
    // a new field makes this test fail until someone decides it is public).
    expect(Object.keys(OffsitePairing.shape).sort()).toEqual(
      ['keys', 'name', 'pullKey', 'signingKey', 'statusKey'].sort(),
    );
    expect(Object.keys(OnsitePairing.shape).sort()).toEqual(Object.keys(onsite).sort());
    expect(Object.keys(WorkstationPairing.shape).sort()).toEqual(['key', 'mode', 'name', 'path', 'user']);
  });

  it('explain each refusal in English and German', () => {
    const problems: PairingProblem[] = [
      { problem: 'not-a-line' },
      { problem: 'version', version: '9' },
      { problem: 'checksum' },
      { problem: 'wrong-kind', expected: 'onsite', got: 'offsite' },
      { problem: 'payload', detail: 'repo: an absolute path' },
    ];
    for (const p of problems) {
      const en = pairingErrorText(p, 'onsite', 'en');
      const de = pairingErrorText(p, 'onsite', 'de');
      expect(en).not.toEqual(de);
      expect(en.length).toBeGreaterThan(20);
    }
    expect(pairingErrorText({ problem: 'checksum' }, 'offsite', 'de')).toMatch(/externen Pi.*vollständig/);
  });
});

/** A line with a valid checksum around any JSON (what a hand-made or hostile line looks like). */
function forge(kind: string, payload: unknown): string {
  const body = `restray-pair:1:${kind}:${btoa(
    String.fromCharCode(...new TextEncoder().encode(JSON.stringify(payload))),
  )
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')}`;
  return `${body}:${crc32(body)}`;
}

function crc32(s: string): string {
  let crc = 0xffffffff;
  for (const b of new TextEncoder().encode(s)) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return ((crc ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
}
