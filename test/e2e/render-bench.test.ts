import { describe, expect, it } from 'vitest';
import { runRenderBench } from './render-bench.js';

describe('renderer with large lists (virtualized)', () => {
  it('keeps 10,000 snapshots and a 100,000-entry folder virtualized in Chromium', async () => {
    const r = await runRenderBench();
    // Tests never assert on wall time: the timings go to bench/RESULTS.md (`npm run bench`). What must hold
    // everywhere is structural: only the rows on screen exist in the DOM, however long the list.
    expect(r.snapshots.count).toBe(10_000);
    expect(r.directory.count).toBe(100_000);
    expect(r.snapshots.domRows).toBeGreaterThan(0);
    expect(r.snapshots.domRows).toBeLessThan(200);
    expect(r.directory.domRows).toBeGreaterThan(0);
    expect(r.directory.domRows).toBeLessThan(200);
  }, 120_000);
});
