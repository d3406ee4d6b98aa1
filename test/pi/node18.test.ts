import { execa } from 'execa';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PiStatus } from '../../contract/pi-status.js';
import { ensureNode18 } from '../lab/node18.js';
import { startTwoPiLab, type TwoPiLab } from './lab-two-pi.js';

// vitest itself needs Node 20, so the restray-pi code runs on Node 18.19 as the Pis run it: the built bundle as
// a separate process of the Node 18 binary, against the real two-Pi lab (sshd, rsync, restic, HTTP alerts).

const bundle = join(import.meta.dirname, '..', '..', 'dist', 'pi', 'restray-pi.mjs');
let node18: string;
let lab: TwoPiLab;

beforeAll(async () => {
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`node scripts/build-node.mjs\` first`);
  node18 = await ensureNode18();
  lab = await startTwoPiLab({ faultProxy: false });
}, 300_000);

afterAll(async () => {
  await lab?.stop();
});

function piOn18(args: string[]) {
  return execa(node18, [bundle, ...args, '--config', lab.offsite.configPath], {
    reject: false,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
}

/** Node warnings (experimental features, deprecations) would land in every journal entry on a Pi. */
function expectNoNodeWarning(stderr: string) {
  expect(stderr).not.toMatch(/Warning:|\(node:\d+\)/);
}

describe('restray-pi on Node 18.19', () => {
  it('the bundle loads: --version, --help, and a config error exits 4 with one plain line', async () => {
    const v = await execa(node18, [bundle, '--version']);
    expect(v.stdout).toMatch(/^restray-pi \d+\.\d+\.\d+/);
    const help = await execa(node18, [bundle, '--help']);
    expect(help.stdout).toContain('Usage: restray-pi');
    const bad = await execa(node18, [bundle, 'status', '--config', '/nonexistent/x.json'], { reject: false });
    expect(bad.exitCode).toBe(4);
    expect(bad.stderr).toContain('Cannot read the config file /nonexistent/x.json');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('sync pulls a verified generation, publishes the status and pings; status, reverify and prune work', async () => {
    const data = join(lab.dir, 'data');
    mkdirSync(data);
    for (let i = 0; i < 20; i++) writeFileSync(join(data, `f${i}`), `file ${i} `.repeat(2000 + i * 50));
    await lab.restic(['backup', '-q', data]);

    const sync = await piOn18(['sync']);
    expect(sync.exitCode, sync.stderr).toBe(0);
    expectNoNodeWarning(sync.stderr);
    const generations = readdirSync(join(lab.offsite.root, 'generations'));
    expect(generations).toHaveLength(1);
    // The hash threads (worker_threads) verified every file: the status says so, the onsite copy has it.
    const status = await piOn18(['status', '--json']);
    expect(status.exitCode, status.stderr).toBe(0);
    const doc = PiStatus.parse(JSON.parse(status.stdout));
    expect(doc.lastRun?.result).toBe('ok');
    expect(existsSync(join(lab.onsite.statusDir, 'offsite.json'))).toBe(true);
    // fetch() on Node 18: the healthchecks success ping arrived.
    await lab.alerts.waitFor((r) => r.path === '/hc', 30_000);

    const reverify = await piOn18(['reverify']);
    expect(reverify.exitCode, reverify.stderr).toBe(0);
    const prune = await piOn18(['prune', '--dry-run']);
    expect(prune.exitCode, prune.stderr).toBe(0);
    expectNoNodeWarning(`${status.stderr}${reverify.stderr}${prune.stderr}`);
  });

  it('the guard blocks on Node 18 too: data packs deleted onsite promote nothing and alert', async () => {
    const dataDir = join(lab.onsite.repo, 'data');
    for (const sub of readdirSync(dataDir)) rmSync(join(dataDir, sub), { recursive: true, force: true });
    const before = readdirSync(join(lab.offsite.root, 'generations'));
    const sync = await piOn18(['sync']);
    expect(sync.exitCode, `${sync.stdout}\n${sync.stderr}`).toBe(3);
    expect(readdirSync(join(lab.offsite.root, 'generations'))).toEqual(before);
    await lab.alerts.waitFor((r) => r.path === '/hook' && JSON.stringify(r.json).includes('blocked'), 30_000);
  });
});
