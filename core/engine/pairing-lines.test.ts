import { describe, expect, it } from 'vitest';
import { encodePairingLine, parsePairingLine } from '../../contract/pairing-line.js';
import { OffsiteSetupRequest } from '../../contract/setup.js';
import { RestrayError } from '../errors.js';
import { statusKeyFromPaste, workstationPairingLine } from './pairing-lines.js';

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
    const line = workstationPairingLine('laptop', `${key} restray-laptop\n`, 'sftp');
    expect(parsePairingLine(line, 'workstation')).toEqual({
      ok: true,
      kind: 'workstation',
      payload: { name: 'laptop', key: `${key} restray-laptop`, mode: 'sftp' },
    });
    expect(() => workstationPairingLine('laptop', 'not a key', 'sftp')).toThrow(RestrayError);
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
    const other = workstationPairingLine('laptop', key, 'append-only');
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
