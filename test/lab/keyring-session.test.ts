import { createRequire } from 'node:module';
import type keytarModule from 'keytar';
import { describe, expect, inject, it } from 'vitest';

describe('lab keyring session', () => {
  it('stores and reads a secret through keytar on the real Secret Service', async () => {
    Object.assign(process.env, inject('keyringEnv'));
    const keytar = createRequire(import.meta.url)('keytar') as typeof keytarModule;
    await keytar.setPassword('restray-lab-test', 'probe', 'value-1');
    expect(await keytar.getPassword('restray-lab-test', 'probe')).toBe('value-1');
    await keytar.deletePassword('restray-lab-test', 'probe');
  });
});
