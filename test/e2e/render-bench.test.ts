import { describe, expect, it } from 'vitest';
import { runRenderBench } from './render-bench.js';

describe('renderer with large lists (virtualized)', () => {
  it('10,000 snapshots and a 100,000-entry folder stay fast', async () => {
    const r = await runRenderBench();
    console.log(JSON.stringify(r));
    // A regression guard, loose enough for a loaded CI machine running other suites in parallel: a list that
    // stopped being virtualized takes seconds here. The targets (≤ 200 ms render, no task over 50 ms
    // while scrolling) are measured on a quiet machine by `npx tsx test/e2e/render-bench.ts` for bench/.
    expect(r.snapshots.renderMs).toBeLessThan(1000);
    expect(r.directory.renderMs).toBeLessThan(1000);
    expect(r.snapshots.scrollLongestTaskMs).toBeLessThan(250);
    expect(r.directory.scrollLongestTaskMs).toBeLessThan(250);
  }, 120_000);
});
