import { describe, expect, it } from 'vitest';
import { encodePairingLine, parsePairingLine } from '../../contract/pairing-line.js';
import { OffsiteSetupRequest } from '../../contract/setup.js';
import { RestrayError } from '../errors.js';
import { pairingLineOf, statusKeyFromPaste, workstationPairingLine } from './pairing-lines.js';

const FP = `SHA256:${'Q'.repeat(43)}`;
const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyKeyKeyKeyKeyKeyKeyKeyKeyKeyKeyKeyKeyKeyKe';
const offsiteLine = encodePairingLine('offsite', {
  name: 'offsite-pi',
  keys: 'main',
  pullKey: `${key} pull`,
  statusKey: `${key} status`,
  signingKey: FP,
});

describe('pairing lines in the app', () => {
  it('the workstation line carries the repository name, its public key and the profile', () => {
    const line = workstationPairingLine({
      repo: 'laptop',
      publicKey: `${key} restray-laptop\n`,
      profile: 'sftp',
      user: 'restic',
      path: '/srv/restic',
    });
    expect(parsePairingLine(line, 'workstation')).toEqual({
      ok: true,
      kind: 'workstation',
      payload: {
        name: 'laptop',
        key: `${key} restray-laptop`,
        mode: 'sftp',
        user: 'restic',
        path: '/srv/restic',
      },
    });
    const w = {
      repo: 'laptop',
      publicKey: key,
      profile: 'sftp' as const,
      user: 'restic',
      path: '/srv/restic',
    };
    expect(() => workstationPairingLine({ ...w, publicKey: 'not a key' })).toThrow(RestrayError);
    // The wizard then shows only the provisioning command.
    expect(pairingLineOf({ ...w, user: 'Ada' }, key)).toEqual({});
    expect(pairingLineOf(w, key).pairingLine).toMatch(/^restray-pair:1:workstation:/);
    // What a hostile or careless wizard input could try: a path outside, a quote, an account with a slash.
    expect(() => workstationPairingLine({ ...w, path: 'srv/restic' })).toThrow(RestrayError);
    expect(() => workstationPairingLine({ ...w, repo: '../etc' })).toThrow(RestrayError);
    expect(() => workstationPairingLine({ ...w, user: 'root/x' })).toThrow(RestrayError);
    expect(() => workstationPairingLine({ ...w, publicKey: `${key} a" command="sh` })).toThrow(RestrayError);
  });

  it('pins the status key from the offsite line or a bare fingerprint, as the request schema admits', () => {
    expect(statusKeyFromPaste(offsiteLine)).toBe(FP);
    // A line broken over two lines by a mail client, with surrounding blanks.
    expect(statusKeyFromPaste(` ${offsiteLine.slice(0, 50)}\n${offsiteLine.slice(50)}\n`)).toBe(FP);
    expect(statusKeyFromPaste(FP)).toBe(FP);
    for (const v of [offsiteLine, FP])
      expect(
        OffsiteSetupRequest.safeParse({ repo: 'r', statusUser: 's', access: null, statusKey: v }).success,
      ).toBe(true);
  });

  it('refuses a cut, altered or other line with the reason, in English or German', () => {
    const cut = offsiteLine.slice(0, -12);
    expect(() => statusKeyFromPaste(cut)).toThrow(/truncated or altered/);
    expect(() => statusKeyFromPaste(cut, 'de')).toThrow(/unvollständig oder verändert/);
    const other = workstationPairingLine({
      repo: 'laptop',
      publicKey: key,
      profile: 'append-only',
      user: 'restic',
      path: '/srv/restic',
    });
    expect(() => statusKeyFromPaste(other)).toThrow(
      /This is the app's line; the offsite Pi's line belongs here/,
    );
    expect(() => statusKeyFromPaste('SHA256:short')).toThrow(RestrayError);
    try {
      statusKeyFromPaste(cut);
    } catch (e) {
      expect((e as RestrayError).kind).toBe('invalid-argument');
    }
  });
});
