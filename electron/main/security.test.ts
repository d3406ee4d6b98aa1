import { describe, expect, it } from 'vitest';
import { externalLinkFor, isAllowedNavigation, isTrustedSender } from './security.js';

const index = 'file:///opt/Restray/resources/app.asar/dist/renderer/index.html';

describe('security checks', () => {
  it('maps only exact known https pages to link ids', () => {
    expect(externalLinkFor('https://restic.readthedocs.io/en/stable/')).toBe('restic-docs');
    expect(externalLinkFor('https://restic.readthedocs.io/en/stable/050_restore.html#x')).toBe(
      'restic-restore',
    );
    expect(externalLinkFor('http://restic.readthedocs.io/en/stable/')).toBeUndefined();
    expect(externalLinkFor('https://restic.readthedocs.io.evil.example/en/stable/')).toBeUndefined();
    expect(externalLinkFor('https://user:pw@restic.readthedocs.io/en/stable/')).toBeUndefined();
    expect(externalLinkFor('https://restic.readthedocs.io:8443/en/stable/')).toBeUndefined();
    expect(externalLinkFor('https://restic.readthedocs.io/other')).toBeUndefined();
    expect(externalLinkFor('file:///etc/passwd')).toBeUndefined();
    expect(externalLinkFor('not a url')).toBeUndefined();
  });
  it('allows navigation only to our index (any hash)', () => {
    expect(isAllowedNavigation(`${index}#/restore`, index)).toBe(true);
    expect(isAllowedNavigation('file:///tmp/evil.html', index)).toBe(false);
    expect(isAllowedNavigation('https://restic.net/', index)).toBe(false);
  });
  it('trusts only the top frame of our page', () => {
    expect(isTrustedSender({ url: index, parent: null }, index)).toBe(true);
    expect(isTrustedSender({ url: index, parent: {} }, index)).toBe(false);
    expect(isTrustedSender({ url: 'https://example.com/', parent: null }, index)).toBe(false);
    expect(isTrustedSender(null, index)).toBe(false);
  });
});
