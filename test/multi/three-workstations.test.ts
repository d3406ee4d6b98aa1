import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { AppState, ChainStatus, RunRecord } from '../../contract/app-state.js';
import type { Snapshot } from '../../contract/browse.js';
import type { Repository } from '../../contract/config.js';
import { offsiteHolds } from '../../contract/pi-status.js';
import { offsitePaths } from '../../pi/src/offsite/store.js';
import { startChainLab, type ChainLab } from '../chain/chain-lab.js';
import { waitFor } from '../cli/cli-lab.js';
import { addOwnRepository, addSharedWorkstation } from '../lab/lab-onsite-accounts.js';
import { startSyncLoop, type SyncLoop } from '../lab/lab-sync-loop.js';
import { setUpWorkstation, type LabWorkstation } from '../lab/lab-workstation.js';
import { readStatusFile, writeRandomFiles } from '../pi/lab-two-pi.js';

interface Station {
  name: string;
  ws: LabWorkstation;
  src: string;
}

/**
 * Issue 5 item 6: three workstations (separate RESTRAY_HOMEs, each its own SSH key) back up AT THE SAME TIME to
 * one onsite Pi, the offsite Pi pulls, and each workstation's `restray status --json` shows ITS OWN chain.
 * Both layouts restray-pi supports:
 * - one shared append-only repository: every key forced to the same repository; one offsite config, one pull,
 *   one status document; each workstation finds its snapshots by restic host, so each configuration needs a
 *   distinct host name (`settings.hostname`, here: three configurations on one machine);
 * - one repository per workstation: each key forced to its own repository, one offsite config per repository;
 *   no host names needed (here all three carry the machine's name).
 */
describe('three workstations, one onsite Pi', () => {
  let lab: ChainLab;
  const loops: SyncLoop[] = [];
  const homes: string[] = [];
  const keyringEnv = { DBUS_SESSION_BUS_ADDRESS: inject('keyringEnv').DBUS_SESSION_BUS_ADDRESS };

  beforeAll(async () => {
    lab = await startChainLab();
  });
  afterAll(async () => {
    for (const l of loops) await l.stop();
    for (const h of homes) rmSync(h, { recursive: true, force: true });
    await lab?.stop();
  });

  /** Three workstations, set up concurrently through the real CLI, each with its own data. */
  const setUp = async (
    names: string[],
    repoFor: (name: string) => Promise<{ repository: Repository; password: string; init: boolean }>,
    hostFor: (name: string) => string | undefined,
  ): Promise<Station[]> =>
    Promise.all(
      names.map(async (name) => {
        const src = join(lab.pis.dir, `data-${name}`);
        // Big enough that restic runs for a while (the backups must overlap), small enough for a quick test.
        writeRandomFiles(src, 4, 1_000_000, name);
        writeFileSync(join(src, 'owner.txt'), `${name}\n`);
        const { repository, password, init } = await repoFor(name);
        const host = hostFor(name);
        const ws = await setUpWorkstation({
          repository,
          password,
          keyringEnv,
          paths: [src],
          init,
          ...(host ? { hostname: host } : {}),
        });
        homes.push(ws.home);
        return { name, ws, src };
      }),
    );

  /** `restray backup demo --json` on all three at once; the result runs (each with its snapshot ID). */
  const backUpConcurrently = async (stations: Station[]): Promise<RunRecord[]> => {
    const results = await Promise.all(stations.map((s) => s.ws.run(['backup', 'demo', '--json'])));
    return results.map((r, i) => {
      expect(r.exitCode, `${stations[i]!.name}: ${r.stderr}`).toBe(0);
      const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { type: string; run: RunRecord };
      expect(last.type).toBe('result');
      expect(last.run.backup?.snapshotId).toMatch(/^[0-9a-f]{8,64}$/);
      return last.run;
    });
  };

  const chainOf = async (s: Station): Promise<ChainStatus> => {
    const r = await s.ws.run(['status', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const repos = (JSON.parse(r.stdout) as Pick<AppState, 'repos'>).repos;
    expect(repos).toHaveLength(1);
    return repos[0]!.chain;
  };

  /**
   * Waits until the workstation's chain is safe with ITS OWN newest snapshot: first for the offsite Pi's own
   * status (a local file, cheap to poll) to hold the snapshot, then for the CLI to see it through the onsite
   * status account (published at the end of the same run).
   */
  const safeWithOwnSnapshot = async (
    s: Station,
    snapshotId: string,
    offsiteRoot: string,
  ): Promise<ChainStatus> => {
    const statusFile = offsitePaths(offsiteRoot).status;
    await waitFor(
      () => existsSync(statusFile) && offsiteHolds(readStatusFile(statusFile), snapshotId),
      `the offsite Pi to hold ${s.name}'s snapshot ${snapshotId}`,
      60_000,
    );
    let last: ChainStatus | undefined;
    const chain = await waitFor(
      async () => {
        const c = (last = await chainOf(s));
        return c.verdict === 'safe' && c.workstation.newestSnapshot?.id.startsWith(snapshotId)
          ? c
          : undefined;
      },
      `${s.name}'s chain to be safe with snapshot ${snapshotId}`,
      20_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; last chain: ${JSON.stringify(last)}`);
    });
    expect(chain.onsite.state).toBe('ok');
    expect(chain.offsite.newestConfirmed?.id.startsWith(snapshotId)).toBe(true);
    return chain;
  };

  const snapshotsOf = async (s: Station): Promise<Snapshot[]> => {
    const r = await s.ws.run(['snapshots', 'pi', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Snapshot[];
  };

  /** All three backups were running at one moment (the latest start is before the earliest end). */
  const expectOverlap = (runs: RunRecord[]) => {
    const latestStart = Math.max(...runs.map((r) => Date.parse(r.startedAt)));
    const earliestEnd = Math.min(...runs.map((r) => Date.parse(r.endedAt)));
    expect(latestStart, JSON.stringify(runs.map((r) => [r.startedAt, r.endedAt]))).toBeLessThan(earliestEnd);
  };

  it('one shared append-only repository: concurrent backups, one offsite pull, each its own chain', async () => {
    const t0 = Date.now();
    const password = lab.pis.workstation.password;
    const stations = await setUp(
      ['a', 'b', 'c'],
      async (name) => ({
        // a: the lab's own workstation key; b, c: keys added with `provision onsite --workstation-key`.
        repository:
          name === 'a' ? lab.repository('pi') : (await addSharedWorkstation(lab.pis, name)).repository,
        password,
        init: false,
      }),
      (name) => `ws-${name}.lab`,
    );
    // The offsite timer runs all along: its pulls meet the backups' restic locks and wait for them.
    const loop = startSyncLoop({ config: lab.pis.offsite.config, intervalMs: 500 });
    loops.push(loop);
    const tBackup = Date.now();
    const runs = await backUpConcurrently(stations);
    expectOverlap(runs);
    const ids = runs.map((r) => r.backup!.snapshotId);
    expect(new Set(ids).size).toBe(3);
    const root = lab.pis.offsite.config.offsite!.root;
    const chains = await Promise.all(stations.map((s, i) => safeWithOwnSnapshot(s, ids[i]!, root)));
    const tSafe = Date.now();
    // Not each other's snapshots: the three newest differ, and the host filter saw one snapshot each.
    expect(new Set(chains.map((c) => c.workstation.newestSnapshot!.id)).size).toBe(3);

    // One repository holds all three, each under its configuration's host name.
    const all = await snapshotsOf(stations[0]!);
    expect(all.map((s) => s.hostname).sort()).toEqual(['ws-a.lab', 'ws-b.lab', 'ws-c.lab']);

    // Each chain is per workstation: a new backup of a alone is "not yet offsite" for a only.
    await loop.stop();
    const [again] = await backUpConcurrently([stations[0]!]);
    const a = await chainOf(stations[0]!);
    expect(a.verdict).toBe('not-yet-offsite');
    expect(a.workstation.newestSnapshot?.id.startsWith(again!.backup!.snapshotId)).toBe(true);
    expect(a.offsite.snapshotsBehind).toBe(1);
    for (const s of stations.slice(1)) expect((await chainOf(s)).verdict).toBe('safe');
    expect((await lab.sync()).result).toBe('ok');
    await safeWithOwnSnapshot(stations[0]!, again!.backup!.snapshotId, root);
    console.info(
      `shared repository: set-up ${tBackup - t0} ms, 3 concurrent backups → all safe in ${tSafe - tBackup} ms`,
    );
  });

  it('one repository per workstation: concurrent backups, one offsite config each, each its own chain', async () => {
    const t0 = Date.now();
    const own = new Map<string, Awaited<ReturnType<typeof addOwnRepository>>>();
    const stations = await setUp(
      ['d', 'e', 'f'],
      async (name) => {
        const r = await addOwnRepository(lab.pis, name);
        own.set(name, r);
        // Each repository its own password: one workstation's password opens nothing of the others.
        return { repository: r.repository, password: `pw-${randomBytes(8).toString('hex')}`, init: true };
      },
      // The machine's own name for all three: separate repositories do not need distinct hosts.
      () => undefined,
    );
    // One pull timer per repository, as one config per repository on the offsite Pi has.
    for (const r of own.values()) loops.push(startSyncLoop({ config: r.config, intervalMs: 500 }));
    const tBackup = Date.now();
    const runs = await backUpConcurrently(stations);
    expectOverlap(runs);
    await Promise.all(
      stations.map((s, i) =>
        safeWithOwnSnapshot(s, runs[i]!.backup!.snapshotId, own.get(s.name)!.config.offsite!.root),
      ),
    );
    const tSafe = Date.now();
    for (const s of stations) {
      const snaps = await snapshotsOf(s);
      expect(snaps).toHaveLength(1);
      expect(snaps[0]!.hostname).toBe(hostname());
      expect(snaps[0]!.paths).toEqual([s.src]);
    }
    console.info(
      `own repositories: set-up ${tBackup - t0} ms, 3 concurrent backups → all safe in ${tSafe - tBackup} ms`,
    );
  });
});
