import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import type { AppState } from '../../contract/app-state.js';
import { workstation, type Workstation } from '../cli/cli-lab.js';
import { listTree, writeRandomFiles } from '../pi/lab-two-pi.js';
import {
  cliOffsiteArgs,
  deadPort,
  runPrintedOffsiteCommand,
  startChainLab,
  type ChainLab,
} from './chain-lab.js';

const temps: string[] = [];
/** A temporary folder removed after the tests. */
function temp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

type StatusJson = Pick<AppState, 'repos'> & { offsiteLagHours: number };

/**
 * The `restray` CLI bundle (separate processes, real keychain) on the chain lab: `status --json` shows the
 * chain, and `restore --from offsite` restores through the offsite Pi's read-only account while the onsite Pi
 * is gone.
 */
describe('restray status and restore --from offsite (CLI, real sshd, restic, restray-pi sync)', () => {
  let lab: ChainLab;
  let ws: Workstation;
  let src: string;
  const configFile = () => join(ws.home, 'config.json');
  const editRepo = (change: (r: Record<string, unknown>) => void) => {
    const c = JSON.parse(readFileSync(configFile(), 'utf8'));
    change(c.repositories[0]);
    writeFileSync(configFile(), JSON.stringify(c, null, 2));
  };
  const status = async (): Promise<StatusJson> => {
    const r = await ws.run(['status', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as StatusJson;
  };

  beforeAll(async () => {
    lab = await startChainLab();
    ws = workstation();
    temps.push(ws.home);
    const repo = lab.repository();
    if (repo.target.kind !== 'append-only') throw new Error('lab repository is append-only');
    const add = await ws.run(
      [
        'repo',
        'add',
        'pi',
        '--url',
        // The path is not used for append-only targets: the Pi's forced command names the repository.
        `sftp://${repo.target.user}@127.0.0.1:${repo.target.port}//repo`,
        '--append-only',
        '--ssh-key',
        repo.target.sshKey,
        '--known-hosts',
        repo.target.knownHosts,
      ],
      { input: `${lab.pis.workstation.password}\n` },
    );
    expect(add.exitCode, add.stderr).toBe(0);
    // The offsite step, as on the CLI: the command and the host key first, nothing saved; the administrator
    // runs the command on the offsite Pi; then the tested save with the compared fingerprint.
    const offsiteArgs = cliOffsiteArgs(lab);
    const first = await ws.run([...offsiteArgs, '--json']);
    expect(first.exitCode, first.stderr).toBe(0);
    const step = JSON.parse(first.stdout) as {
      provisionCommand: string;
      hostKey: { fingerprint: string };
      saved: boolean;
    };
    expect(step.saved).toBe(false);
    expect(JSON.parse(readFileSync(configFile(), 'utf8')).repositories[0].offsite).toBeUndefined();
    await runPrintedOffsiteCommand(lab, step.provisionCommand);
    const saved = await ws.run([...offsiteArgs, '--fingerprint', step.hostKey.fingerprint]);
    expect(saved.exitCode, saved.stderr).toBe(0);
    // Before the first backup and sync: reachable, nothing published or copied yet.
    expect(saved.stdout).toContain('has not published a status yet');
    expect(saved.stdout).toContain('no verified generation yet');
    src = join(lab.pis.dir, 'cli-data');
    writeRandomFiles(src, 3, 300_000);
    writeFileSync(join(src, 'notes.txt'), 'offsite or it did not happen\n');
    const plan = await ws.run(['plan', 'add', 'home', '--repo', 'pi', '--path', src]);
    expect(plan.exitCode, plan.stderr).toBe(0);
  });
  afterAll(async () => {
    for (const d of temps) rmSync(d, { recursive: true, force: true });
    await lab?.stop();
  });

  it('shows the chain: unknown before the first offsite sync, safe after it', async () => {
    const b = await ws.run(['backup', 'home']);
    expect(b.exitCode, b.stderr).toBe(0);
    let s = await status();
    expect(s.offsiteLagHours).toBe(24);
    // Nothing published yet: unknown, with the reason, never safe.
    expect(s.repos[0]!.chain.verdict).toBe('unknown');
    expect((await lab.sync()).result).toBe('ok');
    s = await status();
    const chain = s.repos[0]!.chain;
    expect(chain.verdict).toBe('safe');
    expect(chain.onsite.state).toBe('ok');
    expect(chain.offsite.newestConfirmed?.id).toBe(chain.workstation.newestSnapshot?.id);
    const text = await ws.run(['status']);
    expect(text.stdout).toMatch(/pi: safe/);
    expect(text.stdout).toMatch(/newest offsite: [0-9a-f]{8}/);
  });

  it('restores from the offsite Pi byte-identical while the onsite Pi is unreachable', async () => {
    const port = await deadPort();
    editRepo((r) => void ((r.target as { port: number }).port = port));
    const s = await status();
    expect(s.repos[0]!.chain.onsite.state).toBe('unreachable');
    expect(s.repos[0]!.chain.verdict).toBe('safe');

    const onsite = await ws.run(['restore', 'pi', 'latest', '--target', temp('restray-x-')]);
    expect(onsite.exitCode).not.toBe(0);

    const target = temp('restray-offsite-restore-');
    const r = await ws.run(['restore', 'pi', 'latest', '--from', 'offsite', '--target', target]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/from the offsite Pi/);
    const restored = join(target, src);
    expect(listTree(restored)).toEqual(listTree(src));
    for (const f of listTree(src))
      expect(readFileSync(join(restored, f)).equals(readFileSync(join(src, f)))).toBe(true);

    const gen = listTree(join(lab.offsiteRoot, 'generations'))[0]!.split('/')[0]!;
    const named = await ws.run([
      'restore',
      'pi',
      'latest',
      '--from',
      'offsite',
      '--generation',
      gen,
      '--include',
      join(src, 'notes.txt'),
      '--target',
      temp('restray-offsite-gen-'),
      '--json',
    ]);
    expect(named.exitCode, named.stderr).toBe(0);
    const bad = await ws.run([
      'restore',
      'pi',
      'latest',
      '--from',
      'offsite',
      '--generation',
      '20000101T000000Z',
      '--target',
      target,
    ]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/no generation 20000101T000000Z/);
    const usage = await ws.run(['restore', 'pi', 'latest', '--generation', gen, '--target', target]);
    expect(usage.exitCode).toBe(2);
  });
});
