import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../contract/config.js';
import { emptyConfig } from '../config/config-store.js';
import { ConfigState } from './engine-deps.js';

describe('ConfigState.commit, the one way the engine saves its configuration', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const folder = () => {
    const d = mkdtempSync(join(tmpdir(), 'restray-config-state-'));
    dirs.push(d);
    return d;
  };
  const paused = (c: Config): Config => ({ ...c, pausedUntil: '2030-01-01T00:00:00.000Z' });

  it('writes the file first, then makes the config current, then tells the engine', async () => {
    const file = join(folder(), 'config.json');
    const seen: { current: Config; onDisk: unknown }[] = [];
    const state: ConfigState = new ConfigState(file, emptyConfig(), async () => {
      seen.push({ current: state.get(), onDisk: JSON.parse(readFileSync(file, 'utf8')) });
    });
    const next = paused(emptyConfig());
    await state.commit(next);
    expect(state.get()).toBe(next);
    expect(seen).toEqual([{ current: next, onDisk: next }]);
  });

  it('changes nothing and tells nobody when the file cannot be written', async () => {
    const dir = folder();
    const file = join(dir, 'config.json');
    // A folder where the file should be: the atomic rename onto it fails.
    mkdirSync(file);
    writeFileSync(join(file, 'keep'), 'x');
    const before = emptyConfig();
    let told = 0;
    const state = new ConfigState(file, before, async () => void told++);
    await expect(state.commit(paused(before))).rejects.toThrow();
    expect(state.get()).toBe(before);
    expect(told).toBe(0);
    expect(readdirSync(dir)).toEqual(['config.json']); // no temporary file left beside it
  });

  it('refuses an invalid configuration before writing anything', async () => {
    const file = join(folder(), 'config.json');
    const before = emptyConfig();
    const state = new ConfigState(file, before, async () => {});
    await expect(
      state.commit({ ...before, plans: [{ name: '' }] } as unknown as Config),
    ).rejects.toMatchObject({
      kind: 'invalid-config',
    });
    expect(state.get()).toBe(before);
    expect(() => readFileSync(file)).toThrow();
  });
});
