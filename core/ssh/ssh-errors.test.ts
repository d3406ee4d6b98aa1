import { describe, expect, it } from 'vitest';
import { classifySshFailure } from './ssh-errors.js';

describe('classifySshFailure', () => {
  it.each([
    [
      '@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key verification failed.',
      'host-key-mismatch',
    ],
    [
      'No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.\nHost key verification failed.',
      'host-key-unknown',
    ],
    ['root@127.0.0.1: Permission denied (publickey).', 'permission-denied'],
    ['ssh: connect to host 10.0.0.9 port 22: Connection timed out', 'network'],
    ['Timeout, server 127.0.0.1 not responding.', 'network'],
    ['ssh: connect to host 127.0.0.1 port 1: Connection refused', 'network'],
    ['ssh: Could not resolve hostname pi.invalid: Name or service not known', 'network'],
    ['Connection closed by 127.0.0.1 port 2222', 'network'],
    ['Unable to negotiate with 127.0.0.1 port 22: no matching key exchange method found.', 'network'],
  ])('%s → %s', (text, kind) => {
    expect(classifySshFailure(text)?.kind).toBe(kind);
  });

  it('returns undefined for text without an SSH failure', () => {
    expect(classifySshFailure('Fatal: wrong password or no key found')).toBeUndefined();
  });
});
