import { execFile } from 'node:child_process';
import { execa } from 'execa';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../pi/src/main.js';
import { listGenerations, offsitePaths, walkRepo } from '../../pi/src/offsite/store.js';
import {
  listTree,
  startPushTarget,
  startTwoPiLab,
  writeRandomFiles,
  type PushTarget,
  type TwoPiLab,
} from './lab-two-pi.js';

const run = promisify(execFile);

/** Generation names with each file's inode, size and mtime: equal strings mean nothing offsite changed. */
function fingerprint(lab: TwoPiLab): string {
  const p = offsitePaths(lab.offsite.root);
  return JSON.stringify(
    listGenerations(p).map((g) => [
      g,
      walkRepo(join(p.generations, g)).map((f) => [f.path, f.ino, f.size, f.mtime]),
    ]),
  );
}

describe('push mode: the onsite Pi pushes into incoming/, the offsite Pi verifies, promotes and prunes', () => {
  let lab: TwoPiLab;
  let target: PushTarget;
  const logs: string[] = [];
  beforeAll(async () => {
    lab = await startTwoPiLab({
      faultProxy: false,
      configure: (c) => void (c.offsite.retention = { keepLast: 10 }),
    });
    target = await startPushTarget(lab);
  });
  afterAll(async () => {
    if (process.env.RESTRAY_PI_TEST_LOG) console.log(logs.join('\n'));
    await target?.stop();
    await lab?.stop();
  });

  const push = async () => {
    let err = '';
    const code = await main(['push', '--config', target.onsiteConfigPath], {
      out: (t) => void logs.push(t),
      err: (t) => void (err += `${t}\n`),
      env: process.env,
    });
    logs.push(err);
    return { code, err };
  };
  const sync = () => lab.sync({ trigger: 'push', log: (l) => void logs.push(l) });
  /** rsync as the onsite push key would run it (a compromised onsite Pi has exactly this). */
  const rsyncAsPush = async (...args: string[]) => {
    const rsh = [
      'ssh',
      '-F',
      '/dev/null',
      '-i',
      target.pushKey,
      '-p',
      String(target.sshd.port),
      '-o',
      'BatchMode=yes',
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      `UserKnownHostsFile=${target.knownHosts}`,
      '-o',
      'StrictHostKeyChecking=yes',
    ].join(' ');
    const r = await execa('rsync', ['-e', rsh, ...args], { reject: false, stdin: 'ignore', all: true });
    return { code: r.exitCode ?? -1, out: String(r.all ?? '') };
  };
  const remote = (path = '') => `${target.user}@127.0.0.1:${path}`;

  it('push, then verify and promote offsite; stock restic restores from the generation; the next push sends only new files', async () => {
    const src = join(lab.dir, 'ws-push');
    writeRandomFiles(src, 4, 300_000);
    await lab.restic(['backup', '--host', 'ws', src]);
    expect((await push()).code).toBe(0);
    const out = await sync();
    expect(out.result).toBe('ok');
    expect(out.run?.trigger).toBe('push');
    expect(out.promoted).toMatch(/^\d{8}T\d{6}Z$/);
    const p = offsitePaths(lab.offsite.root);
    const gen = join(p.generations, out.promoted!);
    // Verified files were taken over: root-owned and read-only, so the push account cannot change them.
    const pack = walkRepo(gen).find((f) => f.path.startsWith('data/'))!;
    const st = statSync(join(gen, pack.path));
    expect(st.uid).toBe(0);
    expect(st.mode & 0o777).toBe(0o444);

    const restored = join(lab.dir, 'restored-push');
    await run('restic', ['-r', gen, 'restore', 'latest', '--target', restored], { env: lab.workstation.env });
    expect(listTree(join(restored, src))).toEqual(listTree(src));
    for (const f of listTree(src))
      expect(readFileSync(join(restored, src, f)).equals(readFileSync(join(src, f)))).toBe(true);

    // Incremental: only the new packs cross the network.
    writeRandomFiles(join(lab.dir, 'ws-push2'), 1, 400_000);
    await lab.restic(['backup', '--host', 'ws', join(lab.dir, 'ws-push2')]);
    const second = await push();
    expect(second.code).toBe(0);
    const sent = Number(/\((\d+) bytes sent\)/.exec(second.err)?.[1]);
    expect(sent).toBeGreaterThan(400_000);
    expect(sent).toBeLessThan(600_000);
    const again = await sync();
    expect(again.result).toBe('ok');
    expect(listGenerations(p)).toHaveLength(2);
    // Nothing new pushed: nothing new promoted.
    expect((await sync()).promoted).toBeUndefined();
  });

  it('the push key cannot delete, overwrite or reach the generations', async () => {
    const before = fingerprint(lab);
    const incomingBefore = listTree(target.incoming);
    const [snapshot] = readdirSync(join(target.incoming, 'repo', 'snapshots'));
    const snapPath = join(target.incoming, 'repo', 'snapshots', snapshot!);
    const snapBytes = readFileSync(snapPath);

    // --delete of an empty directory over snapshots/: refused by the forced command (-no-del).
    const empty = join(lab.dir, 'empty');
    mkdirSync(empty, { recursive: true });
    expect((await rsyncAsPush('-r', '--delete', `${empty}/`, remote('repo/snapshots/'))).code).not.toBe(0);
    // --remove-source-files is a delete too, and --partial-dir/--backup could replace existing names.
    expect((await rsyncAsPush('--backup-dir=x', '-b', join(empty), remote('repo/'))).code).not.toBe(0);
    // Overwriting an existing file with other bytes (even with -I): the forced command skips existing names.
    const forged = join(lab.dir, 'forged');
    mkdirSync(join(forged, 'snapshots'), { recursive: true });
    writeFileSync(join(forged, 'snapshots', snapshot!), randomBytes(64));
    await rsyncAsPush('-r', '-I', `${forged}/`, remote('repo/'));
    expect(readFileSync(snapPath).equals(snapBytes)).toBe(true);
    // Outside incoming/: parent escapes and absolute paths are refused.
    for (const dest of ['../', `${lab.offsite.root}/generations/`, '../store/generations/'])
      await rsyncAsPush('-r', `${forged}/`, remote(dest));
    expect(existsSync(join(lab.dir, 'snapshots'))).toBe(false);
    expect(existsSync(join(lab.offsite.root, 'generations', 'snapshots'))).toBe(false);
    // Reading back is refused too (write-only).
    expect((await rsyncAsPush(remote('repo/config'), join(lab.dir, 'leak'))).code).not.toBe(0);
    // No shell.
    const shell = await execa(
      'ssh',
      [
        '-F',
        '/dev/null',
        '-i',
        target.pushKey,
        '-p',
        String(target.sshd.port),
        '-o',
        'BatchMode=yes',
        '-o',
        `UserKnownHostsFile=${target.knownHosts}`,
        `${target.user}@127.0.0.1`,
        'id; cat /etc/passwd',
      ],
      { reject: false, stdin: 'ignore', all: true },
    );
    expect(String(shell.all)).not.toMatch(/uid=\d+|root:x:0:0/);

    expect(fingerprint(lab)).toBe(before);
    expect(listTree(target.incoming).filter((f) => !incomingBefore.includes(f))).toEqual([]);
    expect((await sync()).result).toBe('ok');
    expect(fingerprint(lab)).toBe(before);
  });

  it('a pushed file whose SHA-256 does not match its name is quarantined and does not stop the sync', async () => {
    const before = fingerprint(lab);
    // What a compromised or broken onsite Pi can do: add a "pack" with wrong bytes and a manifest naming it.
    const bytes = randomBytes(1000);
    const id = createHash('sha256').update('something else').digest('hex');
    const evil = join(lab.dir, 'evil');
    mkdirSync(join(evil, 'repo', 'data', id.slice(0, 2)), { recursive: true });
    writeFileSync(join(evil, 'repo', 'data', id.slice(0, 2), id), bytes);
    const p = offsitePaths(lab.offsite.root);
    const newest = join(p.generations, listGenerations(p).at(-1)!);
    const files = [
      ...walkRepo(newest)
        .filter((f) => !f.path.startsWith('locks/'))
        .map((f) => ({ path: f.path, size: f.size, mtime: f.mtime })),
      { path: `data/${id.slice(0, 2)}/${id}`, size: 1000, mtime: Math.floor(Date.now() / 1000) },
    ];
    mkdirSync(join(evil, 'manifests'));
    writeFileSync(
      join(evil, 'manifests', `${new Date().toISOString().replace(/[-:]|\.\d+/g, '')}-00000000.json`),
      JSON.stringify({ version: 1, created: new Date().toISOString(), files }),
    );
    expect((await rsyncAsPush('-r', '-t', `${evil}/`, remote())).code).toBe(0);
    const out = await sync();
    // The rest of the push is the newest generation: nothing new to promote, and nothing stops the run.
    expect(out.result).toBe('ok');
    expect(out.promoted).toBeUndefined();
    expect(fingerprint(lab)).toBe(before);
    await lab.alerts.waitFor(
      (r) =>
        r.path === '/hook' && (r.json as { event: string }).event === 'quarantined' && r.body.includes(id),
    );
    // Moved out of incoming/, so a correct push of that name would be accepted again.
    expect(listTree(target.incoming)).not.toContain(`repo/data/${id.slice(0, 2)}/${id}`);
  });
});
