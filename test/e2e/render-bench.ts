import { pathToFileURL } from 'node:url';
import type { DirEntry } from '../../contract/browse.js';
import { launchChromium, openApp } from './browser.js';
import { FakeEngine, sampleSnapshots } from './fake-engine.js';
import { recordingShell, startTransportServer } from './transport-server.js';

/**
 * Renderer benchmark (issue 4): in Chromium, the snapshot list with 10,000 snapshots and a restore folder with
 * 100,000 entries must render their first rows within 200 ms and scroll with no task over 50 ms. The data comes
 * from the FakeEngine, so this measures the renderer (and the transport), not restic. bench/ can import
 * `runRenderBench` and write the figures into bench/RESULTS.md.
 */
export interface ListFigures {
  count: number;
  /** Click → first row painted, including fetching the list over the transport. */
  firstRowMs: number;
  /** The part of firstRowMs spent waiting for the API call (transport + engine). */
  fetchMs: number;
  /** firstRowMs − fetchMs: what the renderer itself costs (target ≤ 200 ms). */
  renderMs: number;
  /** Long tasks while loading (includes decoding the reply). */
  loadLongestTaskMs: number;
  /** Long tasks while scrolling through the list (target: none over 50 ms). */
  scrollLongestTaskMs: number;
  scrollLongTasks: number;
  /** Rows in the DOM after scrolling: a virtualized list keeps this to what fits on screen. */
  domRows: number;
}
export interface RenderBenchResult {
  snapshots: ListFigures;
  directory: ListFigures;
}

/** What the measuring code uses in the page (typed here because this file compiles without the DOM lib). */
interface PageWindow {
  api: Record<string, (i: unknown) => Promise<unknown>>;
  __long: number[];
  __fetch: number;
  __t0: number;
  document: { addEventListener(type: 'click', l: () => void, o: { capture: boolean; once: boolean }): void };
  requestAnimationFrame(cb: () => void): number;
}

const SNAPSHOTS = 10_000;
const ENTRIES = 100_000;

function bigTree(): Map<string, DirEntry[]> {
  const entries: DirEntry[] = Array.from({ length: ENTRIES }, (_, i) => ({
    name: `file-${String(i).padStart(6, '0')}.dat`,
    path: `/home/ada/big/file-${String(i).padStart(6, '0')}.dat`,
    type: 'file',
    size: 1000 + i,
    mtime: '2026-01-02T10:00:00.000Z',
  }));
  return new Map([
    ['/home/ada', [{ name: 'big', path: '/home/ada/big', type: 'dir' }]],
    ['/home/ada/big', entries],
  ]);
}

export async function runRenderBench(): Promise<RenderBenchResult> {
  const engine = new FakeEngine({ snapshots: sampleSnapshots(Date.now(), SNAPSHOTS), tree: bigTree() });
  // Electron's main does not re-validate engine outputs; neither does the benchmark.
  const server = await startTransportServer({
    engine,
    shell: recordingShell({ homeDir: '/home/ada' }),
    validateOutputs: false,
  });
  const browser = await launchChromium();
  try {
    const page = await openApp(browser, server.url);
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    // Long tasks (> 50 ms on the main thread) as Chromium reports them.
    await page.evaluate(() => {
      const w = globalThis as unknown as PageWindow;
      w.__long = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__long.push(e.duration);
      }).observe({ type: 'longtask' as never, buffered: false });
    });
    // Time each API call as the page sees it, to tell transport time from rendering time.
    await page.evaluate(() => {
      const w = globalThis as unknown as PageWindow;
      w.__fetch = 0;
      for (const name of ['listSnapshots', 'listDir']) {
        const orig = w.api[name]!;
        w.api[name] = async (input: unknown) => {
          const t = performance.now();
          const r = await orig(input);
          w.__fetch += performance.now() - t;
          return r;
        };
      }
    });
    const takeFetch = () =>
      page.evaluate(() => {
        const w = globalThis as unknown as PageWindow;
        const f = w.__fetch;
        w.__fetch = 0;
        return f;
      });
    const takeLong = () =>
      page.evaluate(() => {
        const w = globalThis as unknown as PageWindow;
        const l = w.__long;
        w.__long = [];
        return l;
      });

    /** Clicks, then measures in the page from the click event until the first row is painted. */
    const timeToFirstRow = async (click: () => Promise<void>, selector: string) => {
      await page.evaluate(() => {
        const w = globalThis as unknown as PageWindow;
        w.document.addEventListener('click', () => (w.__t0 = performance.now()), {
          capture: true,
          once: true,
        });
      });
      await click();
      await page.waitForSelector(selector);
      return page.evaluate(
        () =>
          new Promise<number>((resolve) => {
            const w = globalThis as unknown as PageWindow;
            w.requestAnimationFrame(() => resolve(performance.now() - w.__t0));
          }),
      );
    };
    const scroll = async (label: string) => {
      const region = page.getByRole('region', { name: label });
      for (let i = 0; i < 40; i++) {
        await region.evaluate((el) => el.scrollBy(0, 2000));
        await page.evaluate(
          () =>
            new Promise((r) => (globalThis as unknown as PageWindow).requestAnimationFrame(() => r(null))),
        );
      }
    };

    const measure = async (click: () => Promise<void>, selector: string, label: string, count: number) => {
      await takeLong();
      await takeFetch();
      const firstRowMs = await timeToFirstRow(click, selector);
      const fetchMs = await takeFetch();
      const load = await takeLong();
      await scroll(label);
      const scrolling = await takeLong();
      const domRows = await page.locator(selector).count();
      return {
        domRows,
        count,
        firstRowMs: Math.round(firstRowMs),
        fetchMs: Math.round(fetchMs),
        renderMs: Math.round(firstRowMs - fetchMs),
        loadLongestTaskMs: Math.round(Math.max(0, ...load)),
        scrollLongestTaskMs: Math.round(Math.max(0, ...scrolling)),
        scrollLongTasks: scrolling.length,
      };
    };
    const snapshots = await measure(
      () => page.getByRole('navigation').getByRole('button', { name: 'Snapshots' }).click(),
      '.snapshot-row',
      'Snapshots',
      SNAPSHOTS,
    );
    await page.getByRole('navigation').getByRole('button', { name: 'Restore files' }).click();
    await page.getByRole('button', { name: 'Open big' }).waitFor();
    const directory = await measure(
      () => page.getByRole('button', { name: 'Open big' }).click(),
      '.entry-file',
      '/home/ada/big',
      ENTRIES,
    );
    return { snapshots, directory };
  } finally {
    await browser.close();
    await server.close();
  }
}

/** `npx tsx test/e2e/render-bench.ts`: prints the figures and whether the targets are met. */
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await runRenderBench();
  const ok = (f: ListFigures) => f.renderMs <= 200 && f.scrollLongTasks === 0;
  console.log(JSON.stringify({ ...r, targetsMet: ok(r.snapshots) && ok(r.directory) }, null, 2));
}
