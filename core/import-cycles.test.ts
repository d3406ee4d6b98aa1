import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// No circular imports between the project's own modules (eslint-plugin-import's no-cycle, without the
// dependency): a cycle makes the order of module initialisation matter and ties two files' reasons to change.

const ROOT = resolve(import.meta.dirname, '..');
const SOURCES = ['contract', 'core', 'cli', 'electron', 'pi/src', 'renderer/src'];
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'";]*?\bfrom\s*'(\.[^']+)'|\bimport\(\s*'(\.[^']+)'\s*\)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'fixtures' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [path] : [];
  });
}

/** The project's import graph: each file (relative to the root) and the files it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of SOURCES.flatMap((d) => sourceFiles(join(ROOT, d)))) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(IMPORT)].map((m) =>
      relative(ROOT, resolve(dirname(file), (m[1] ?? m[2])!.replace(/\.js$/, '.ts'))),
    );
    graph.set(relative(ROOT, file), targets);
  }
  return graph;
}

/** Every cycle found by a depth-first walk, each as the files along it (the first repeated at the end). */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

describe('imports', () => {
  it('finds a planted cycle, also one through three files and a lazy import', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(findCycles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
    expect(
      findCycles(
        new Map([
          ['x.ts', ['y.ts']],
          ['y.ts', []],
        ]),
      ),
    ).toEqual([]);
  });

  it('reads static, type-only, re-exported and lazy imports', () => {
    const graph = importGraph();
    expect(graph.get('core/engine/engine.ts')).toContain('core/engine/jobs.ts');
    expect(graph.get('core/engine/app-engine.ts')).toContain('core/engine/engine.ts'); // import type
    expect(graph.get('core/engine/scheduling.ts')).toContain('core/schedule/scheduler.ts'); // import()
    expect(graph.size).toBeGreaterThan(100);
  });

  it("has no cycle among the project's own modules", () => {
    expect(findCycles(importGraph())).toEqual([]);
  });
});
