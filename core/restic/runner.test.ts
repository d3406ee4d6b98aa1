import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildChildEnv, runRestic, type ResticContext } from './runner.js';
import { ResticError } from './errors.js';

// The runner is exercised here against a small Node script standing in for restic, to reach behaviour real
// restic will not show on demand (ignoring SIGINT, floods of output); test/restic covers the real thing.
const fake = fileURLToPath(new URL('./fixtures/fake-restic.mjs', import.meta.url));
const ctx: ResticContext = {
  binary: process.execPath,
  repoArgs: [fake],
  password: 'correct horse battery',
  env: { RESTIC_CACHE_DIR: '/tmp/restray-cache' },
};

describe('buildChildEnv', () => {
  it('removes every other password and repository source and sets RESTIC_PASSWORD', () => {
    const env = buildChildEnv(
      ctx,
      { RESTIC_PROGRESS_FPS: '4' },
      {
        PATH: '/usr/bin',
        RESTIC_PASSWORD_FILE: '/x',
        restic_password_command: 'pass show x',
        RESTIC_REPOSITORY: '/elsewhere',
        RESTIC_REPOSITORY_FILE: '/y',
        RESTIC_PASSWORD: 'other',
      },
    );
    expect(env).toEqual({
      PATH: '/usr/bin',
      RESTIC_CACHE_DIR: '/tmp/restray-cache',
      RESTIC_PROGRESS_FPS: '4',
      RESTIC_PASSWORD: 'correct horse battery',
    });
  });
});

describe('runRestic', () => {
  it('passes the password only in the environment', async () => {
    const seen: unknown[] = [];
    process.env.RESTIC_PASSWORD_FILE = '/should/not/leak';
    try {
      await runRestic(ctx, {
        args: ['env', '--json'],
        env: { RESTIC_PROGRESS_FPS: '4' },
        onJson: (v) => seen.push(v),
      });
    } finally {
      delete process.env.RESTIC_PASSWORD_FILE;
    }
    expect(seen).toEqual([
      {
        password: 'correct horse battery',
        file: null,
        command: null,
        repository: null,
        fps: '4',
        cache: '/tmp/restray-cache',
        argv: ['--json'],
      },
    ]);
  });

  it('keeps only a bounded tail of stray output and still delivers JSON', async () => {
    const seen: unknown[] = [];
    const r = await runRestic(ctx, { args: ['chatty'], onJson: (v) => seen.push(v) });
    expect(seen).toEqual([{ message_type: 'summary', n: 1 }]);
    const lines = r.stdoutTail.split('\n');
    expect(lines.length).toBe(200);
    expect(lines.at(-1)).toBe('stray stdout 4999');
    expect(r.stderrTail.split('\n').at(-1)).toBe('stderr 4999');
  });

  it('decodes UTF-8 split across chunks', async () => {
    const seen: unknown[] = [];
    await runRestic(ctx, { args: ['utf8'], onJson: (v) => seen.push(v) });
    expect(seen).toEqual([{ name: 'Grüße ✓' }]);
  });

  it('on abort sends SIGINT, keeps draining until exit and rejects with cancelled', async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    const p = runRestic(ctx, {
      args: ['graceful'],
      signal: ac.signal,
      onJson: (v) => {
        const t = (v as { message_type: string }).message_type;
        seen.push(t);
        if (t === 'ready') ac.abort();
      },
    });
    const e = await p.then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(ResticError);
    expect((e as ResticError).kind).toBe('cancelled');
    expect((e as ResticError).exitCode).toBe(130);
    expect((e as ResticError).stderrTail).toBe('signal interrupt received, cleaning up');
    expect(seen).toEqual(['ready', 'after-sigint']);
  });

  it('kills with SIGKILL after the grace period when SIGINT is ignored', async () => {
    const ac = new AbortController();
    const started = Date.now();
    const e = await runRestic(ctx, {
      args: ['stubborn'],
      signal: ac.signal,
      killGraceMs: 300,
      onJson: () => ac.abort(),
    }).catch((x: unknown) => x);
    expect((e as ResticError).kind).toBe('cancelled');
    expect((e as ResticError).hint).toMatch(/unlock/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('does not start when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(runRestic(ctx, { args: ['env'], signal: ac.signal })).rejects.toMatchObject({
      kind: 'cancelled',
    });
  });

  it('stops restic and rethrows when a callback throws', async () => {
    const boom = new Error('bad listener');
    await expect(
      runRestic(ctx, {
        args: ['graceful'],
        killGraceMs: 5_000,
        onJson: () => {
          throw boom;
        },
      }),
    ).rejects.toBe(boom);
  });

  it('scrubs the password from failure messages and tails', async () => {
    const e = (await runRestic(ctx, { args: ['fail'] }).catch((x: unknown) => x)) as ResticError;
    expect(e.kind).toBe('failed');
    expect(e.message).toBe('restic failed (exit status 1): cannot do it with ***');
    expect(e.stderrTail).not.toContain('correct horse');
  });

  it('accepts only the expected exit statuses', async () => {
    await expect(runRestic(ctx, { args: ['exit', '3'], okExitCodes: [0, 3] })).resolves.toMatchObject({
      exitCode: 3,
    });
    await expect(runRestic(ctx, { args: ['exit', '3'] })).rejects.toMatchObject({
      kind: 'failed',
      exitCode: 3,
    });
    await expect(runRestic(ctx, { args: ['exit', '77'] })).rejects.toMatchObject({
      kind: 'failed',
      exitCode: 77,
    });
  });

  it('reports a missing or non-executable binary as restic-missing', async () => {
    await expect(
      runRestic({ ...ctx, binary: '/nonexistent/restic' }, { args: ['version'] }),
    ).rejects.toMatchObject({
      kind: 'restic-missing',
    });
    const dir = mkdtempSync(join(tmpdir(), 'restray-runner-'));
    const notExecutable = join(dir, 'restic');
    writeFileSync(notExecutable, '#!/bin/sh\n', { mode: 0o644 });
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    await expect(runRestic({ ...ctx, binary: notExecutable }, { args: ['version'] })).rejects.toMatchObject({
      kind: 'restic-missing',
      message: expect.stringContaining('may not be executed'),
    });
  });

  it('refuses an empty password rather than let restic read stdin', async () => {
    await expect(runRestic({ ...ctx, password: '' }, { args: ['env'] })).rejects.toMatchObject({
      kind: 'invalid-argument',
    });
  });
});

describe('runRestic with a password function', () => {
  const lazy = (password: () => Promise<string>): ResticContext => ({ ...ctx, password });

  it('starts restic first, then writes the password to its stdin only', async () => {
    let started = false;
    const seen: unknown[] = [];
    const r = await runRestic(
      lazy(async () => {
        expect(started).toBe(true);
        return 'correct horse battery';
      }),
      { args: ['stdin-password'], onSpawn: () => (started = true), onJson: (v) => seen.push(v) },
    );
    expect(seen).toEqual([{ stdin: 'correct horse battery', env: null }]);
    expect(r.stdoutTail).toBe('');
  });

  it('passes a password with a line break through the environment instead', async () => {
    const seen: unknown[] = [];
    await runRestic(
      lazy(async () => 'two\nlines'),
      { args: ['env'], onJson: (v) => seen.push(v) },
    );
    expect(seen).toMatchObject([{ password: 'two\nlines' }]);
  });

  it('stops restic and rethrows when the password cannot be read', async () => {
    const keychain = new Error('keychain locked');
    const p = runRestic(
      lazy(() => new Promise((_, reject) => setTimeout(() => reject(keychain), 50))),
      { args: ['stdin-password'] },
    );
    await expect(p).rejects.toBe(keychain);
  });

  it('refuses an empty password', async () => {
    await expect(
      runRestic(
        lazy(async () => ''),
        { args: ['stdin-password'] },
      ),
    ).rejects.toMatchObject({
      kind: 'invalid-argument',
    });
  });

  it("reports restic's own failure when restic ends before the password is known", async () => {
    const e = (await runRestic(
      lazy(() => new Promise<string>(() => {})),
      { args: ['exit', '1'] },
    ).catch((x: unknown) => x)) as ResticError;
    expect(e.kind).toBe('failed');
    expect(e.exitCode).toBe(1);
  });
});
