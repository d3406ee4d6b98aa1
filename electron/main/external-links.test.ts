import { describe, expect, it, vi } from 'vitest';

const openExternal = vi.fn(async (_url: string) => {});
vi.mock('electron', () => ({ shell: { openExternal } }));
const { openExternalLink } = await import('./external-links.js');
const { EXTERNAL_LINKS } = await import('./security.js');

describe('openExternalLink', () => {
  it('opens exactly the URL listed for each id', async () => {
    for (const [id, url] of Object.entries(EXTERNAL_LINKS)) {
      await openExternalLink(id as keyof typeof EXTERNAL_LINKS);
      expect(openExternal).toHaveBeenLastCalledWith(url);
    }
  });
});
