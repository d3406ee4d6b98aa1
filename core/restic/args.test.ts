import { describe, expect, it } from 'vitest';
import { parentOf, snapshotArg, snapshotPath } from './args.js';
import { validReadDataSubset } from './check.js';
import { checkNewPassword } from './key-passwd.js';

describe('arguments', () => {
  it('accepts snapshot IDs and latest, refuses anything flag-like', () => {
    expect(snapshotArg('latest')).toBe('latest');
    expect(snapshotArg('3a9fa818')).toBe('3a9fa818');
    expect(() => snapshotArg('--remove-all')).toThrow(expect.objectContaining({ kind: 'invalid-argument' }));
    expect(() => snapshotArg('')).toThrow();
  });

  it('normalises snapshot paths', () => {
    expect(snapshotPath('/home/a/')).toBe('/home/a');
    expect(snapshotPath('/')).toBe('/');
    expect(snapshotPath('//')).toBe('/');
    expect(() => snapshotPath('home')).toThrow(expect.objectContaining({ kind: 'invalid-argument' }));
    expect(parentOf('/home/a')).toBe('/home');
    expect(parentOf('/home')).toBe('/');
  });

  it('validates --read-data-subset', () => {
    for (const ok of ['1/5', '5/5', '10%', '2.5%', '100%', '500M', '1G', '4096'])
      expect(validReadDataSubset(ok)).toBe(true);
    for (const bad of ['0/5', '6/5', '0%', '101%', '-1', 'all', '5M; rm', ''])
      expect(validReadDataSubset(bad)).toBe(false);
  });

  it('refuses new passwords restic would trim', () => {
    expect(() => checkNewPassword('')).toThrow();
    expect(() => checkNewPassword(' x')).toThrow();
    expect(() => checkNewPassword('x\n')).toThrow();
    expect(() => checkNewPassword('a\nb')).toThrow();
    expect(() => checkNewPassword('good one')).not.toThrow();
  });
});
