import { mkdtempSync, readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VERSION } from '../../contract/config.js';
import { RestrayError } from '../errors.js';
import { emptyConfig, loadConfig, saveConfig, updateConfig } from './config-store.js';
import { migrateConfig } from './migrations.js';

const dir = () => mkdtempSync(join(tmpdir(), 'restray-config-'));
const repo = { name: 'pi', target: { kind: 'local', path: '/srv/backup' } } as const;

describe('config store', () => {
  it('gives an empty config when the file is missing', async () => {
    expect(await loadConfig(join(dir(), 'config.json'))).toEqual(emptyConfig());
  });

  it('round-trips through an atomic 0600 write without leaving temp files', async () => {
    const d = dir();
    const file = join(d, 'config.json');
    const c = { ...emptyConfig(), repositories: [{ ...repo }] };
    await saveConfig(file, c as never);
    expect((await loadConfig(file)).repositories[0]!.name).toBe('pi');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(d)).toEqual(['config.json']);
  });

  it('rejects a corrupt file with a clear message and leaves it unchanged', async () => {
    const file = join(dir(), 'config.json');
    writeFileSync(file, '{"version": 1, "plans": [');
    await expect(loadConfig(file)).rejects.toMatchObject({
      kind: 'invalid-config',
      message: expect.stringContaining('not valid JSON'),
    });
    await expect(updateConfig(file, (c) => c)).rejects.toBeInstanceOf(RestrayError);
    expect(readFileSync(file, 'utf8')).toBe('{"version": 1, "plans": [');
  });

  it('names the field and the allowed values of an invalid file', async () => {
    const file = join(dir(), 'config.json');
    writeFileSync(file, JSON.stringify({ version: 1, notifications: { level: 'loud' } }));
    await expect(loadConfig(file)).rejects.toThrow(
      /notifications\.level: must be one of errors, warnings, all/,
    );
  });

  it('rejects a plan that names an unknown repository', async () => {
    const file = join(dir(), 'config.json');
    writeFileSync(
      file,
      JSON.stringify({ version: 1, plans: [{ name: 'home', repo: 'nope', paths: ['/home'] }] }),
    );
    await expect(loadConfig(file)).rejects.toThrow(/plans\[0\]\.repo: no repository named "nope"/);
  });

  it('migrates an unversioned file and refuses one from a newer Restray', async () => {
    const file = join(dir(), 'config.json');
    writeFileSync(file, JSON.stringify({ repositories: [repo] }));
    expect((await loadConfig(file)).version).toBe(CONFIG_VERSION);
    writeFileSync(file, JSON.stringify({ version: 99 }));
    await expect(loadConfig(file)).rejects.toThrow(/newer Restray/);
  });

  it('migrates a version-1 file to version 2: repositories keep working without a pinned status key', async () => {
    const file = join(dir(), 'config.json');
    writeFileSync(file, JSON.stringify({ version: 1, repositories: [repo] }));
    const c = await loadConfig(file);
    expect(c.version).toBe(2);
    expect(c.repositories[0]?.offsiteStatusKey).toBeUndefined();
  });

  it('applies migration steps in order', () => {
    const steps = {
      0: (r: Record<string, unknown>) => ({ ...r, a: 1 }),
      1: (r: Record<string, unknown>) => ({ ...r, b: 2 }),
    };
    expect(migrateConfig({}, steps, 2).config).toEqual({ a: 1, b: 2 });
  });
});
