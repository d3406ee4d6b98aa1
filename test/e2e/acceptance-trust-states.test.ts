import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../contract/app-state.js';
import type { Config } from '../../contract/config.js';
import type { PiStatus } from '../../contract/pi-status.js';
import { runRestic } from '../../core/restic/runner.js';
import * as restic from '../../core/restic/index.js';
import { ChainMonitor } from '../../core/status/chain-monitor.js';
import { QuarantineAnswerStore, quarantineChecker } from '../../core/status/quarantine-check.js';
import { statusFromBytes } from '../../core/status/status-reader.js';
import { keyFingerprint, publicKeyBase64, signedStatusText } from '../../pi/src/offsite/status-signing.js';
import { localContext, scratch, writeTree } from '../restic/restic-lab.js';
import { openAppWindow, screenshot, type AppWindow } from './browser.js';
import { FakeEngine } from './fake-engine.js';
import { recordingShell } from './transport-server.js';

/**
 * The trust states of the offsite status in the window (issue 12), English and German. The chain is the real
 * core's: ChainMonitor reads the document the "onsite Pi" serves (statusFromBytes), checks it against the pinned
 * key and the last accepted one (status-trust.ts), asks real restic about set-aside packs (quarantine-check.ts,
 * a local repository holding the backup) and derives the verdict; each chain goes to the built renderer through
 * the test transport. What the window shows per state: not signed (warning with the one step), signed by another
 * key, replayed, stale (unknown with the reason), a set-aside pack the newest backup needs (at risk), one it does
 * not need (safe with the note). The Pis themselves are the chain lab's business (test/chain/).
 */

const HOUR = 3600_000;
const password = 'trust-states-pw';
const lab = scratch('e2e-trust');
const repoDir = join(lab.dir, 'repo');
const src = join(lab.dir, 'Documents');
const ctx = localContext(repoDir, password);
const offsiteKey = generateKeyPairSync('ed25519').privateKey;
const strangerKey = generateKeyPairSync('ed25519').privateKey;
const pin = keyFingerprint(publicKeyBase64(offsiteKey));

let app: AppWindow;
let page: Page;
let engine: FakeEngine;
let monitor: ChainMonitor;
let snapshotId = '';
let usedPack = '';
let runs: RunRecord[] = [];
let pinned: string | undefined;
/** What the onsite Pi serves at the moment (the document's exact text). */
let served = '';
let sequence = 1000;
const bugs: unknown[] = [];

function config(): Config {
  const base = engine.state.config;
  const [repo] = base.repositories;
  return {
    ...base,
    repositories: [
      { ...repo!, offsiteStatusUser: 'restray-status', ...(pinned ? { offsiteStatusKey: pinned } : {}) },
    ],
  };
}

/** A status as restray-pi writes it: one verified generation holding the snapshot, maybe with files set aside. */
function status(over: { updatedAt?: number; quarantined?: string[]; sequence?: number } = {}): PiStatus {
  const now = Date.now();
  const gen = new Date(now - HOUR / 2);
  return {
    schemaVersion: 2,
    updatedAt: new Date(over.updatedAt ?? now - 60_000).toISOString(),
    host: 'offsite-pi',
    repository: 'pi',
    lastRun: {
      start: gen.toISOString(),
      end: gen.toISOString(),
      result: 'ok',
      bytesTransferred: 1,
      filesVerified: 1,
      trigger: 'change',
    },
    lastSuccess: gen.toISOString(),
    generations: [
      {
        name: gen
          .toISOString()
          .replace(/[-:]/g, '')
          .replace(/\.\d+Z$/, 'Z'),
        time: gen.toISOString(),
        snapshotIds: [snapshotId],
        sizeBytes: 1000,
        newBytes: 1000,
        fileCount: 5,
        state: 'verified',
        ...(over.quarantined ? { quarantined: over.quarantined } : {}),
      },
    ],
    verification: { checkedFiles: 0, totalFiles: 0, damaged: [] },
    guard: { state: 'ok', threshold: 0.2, configChanged: false, keysChanged: false },
    stale: false,
    sequence: over.sequence ?? ++sequence,
  };
}

const signed = (s: PiStatus, key: KeyObject = offsiteKey) => signedStatusText(s, key);

/** The onsite Pi serves `text`; the real core checks it and the window gets the chain. */
async function serve(text: string): Promise<void> {
  served = text;
  const [chain] = await monitor.refresh(['pi']);
  expect(bugs).toEqual([]);
  engine.emit({ type: 'chain-changed', chain: chain! });
}

const verdict = () => page.locator('.chain .verdict');
const hop = (name: string) => page.locator('li.hop', { has: page.getByText(name, { exact: true }) });
const nav = (name: string) => page.getByRole('navigation').getByRole('button', { name });

beforeAll(async () => {
  writeTree(src, { 'report.bin': 200_000, 'notes.txt': 'quarterly notes\n' });
  await restic.init(ctx);
  await runRestic(ctx, { args: ['backup', '--host', 'ws', src] });
  const [snap] = await restic.snapshots(ctx, {});
  snapshotId = snap!.id;
  // The biggest pack holds report.bin's data; the tree packs are small.
  const data = join(repoDir, 'data');
  usedPack = readdirSync(data)
    .flatMap((d) => readdirSync(join(data, d)).map((f) => join(data, d, f)))
    .sort((a, b) => statSync(b).size - statSync(a).size)[0]!
    .split('/')
    .at(-1)!;
  const end = new Date(Date.now() - HOUR);
  runs = [
    {
      id: 'run-1',
      kind: 'backup',
      repo: 'pi',
      plan: 'home',
      trigger: 'schedule',
      startedAt: new Date(end.getTime() - 60_000).toISOString(),
      endedAt: end.toISOString(),
      result: 'success',
      backup: {
        snapshotId,
        filesNew: 2,
        filesChanged: 0,
        filesUnmodified: 0,
        dataAdded: 200_000,
        totalFilesProcessed: 2,
        totalBytesProcessed: 200_016,
      },
    },
  ];
  engine = new FakeEngine();
  engine.state = { ...engine.state, recentRuns: runs };
  monitor = new ChainMonitor({
    config,
    runs: async () => runs,
    readStatus: async (_repo, _signal, now) =>
      statusFromBytes(Buffer.from(served), 'onsite', now().toISOString()),
    checkQuarantine: quarantineChecker(new QuarantineAnswerStore(join(lab.dir, 'answers')), async () => ctx),
    clock: { now: () => new Date() },
    emit: () => undefined,
    onBug: (e) => void bugs.push(e),
  });
  app = await openAppWindow({ engine, shell: recordingShell({ homeDir: lab.dir }) });
  page = app.page;
}, 120_000);

afterAll(async () => {
  monitor?.stop();
  await app?.close();
  lab.cleanup();
});

interface Texts {
  overview: string;
  notPinned: RegExp;
  safe: string;
  otherKey: string;
  replay: string;
  stale: string;
  unknownState: string;
  failedState: string;
  offsite: string;
  missing: RegExp;
  missingNext: RegExp;
  missingHop: RegExp;
  note: string;
}

const en: Texts = {
  overview: 'Overview',
  notPinned:
    /^Offsite status not signed: run “restray-pi status --signing-key” on the offsite Pi and pin the fingerprint it shows \(restray repo offsite pi --status-key …\)\.$/,
  safe: 'Safe: your newest backup is confirmed offsite.',
  otherKey: 'Status unknown: the offsite status is signed by another key than the offsite Pi’s pinned one.',
  replay: 'Status unknown: an older offsite status is being served again (replayed).',
  stale: 'Status unknown: the offsite Pi has not renewed its status for too long.',
  unknownState: 'Unknown',
  failedState: 'Failed',
  offsite: 'Offsite Pi',
  missing:
    /^At risk: The offsite copy of your newest backup is missing data: the offsite Pi set aside 1 damaged file it needs \(affected: .*\/Documents\/report\.bin\)\./,
  missingNext: /Next step: Do not rely on the offsite copy of this backup\./,
  missingHop: /^The offsite copy of your newest backup is missing data: /,
  note: 'Safe: your newest backup is confirmed offsite. (The offsite Pi set aside 1 unrelated file.)',
};

const de: Texts = {
  overview: 'Übersicht',
  notPinned:
    /^Externer Status nicht signiert: Führen Sie „restray-pi status --signing-key“ auf dem externen Pi aus und legen Sie den angezeigten Fingerabdruck fest \(restray repo offsite pi --status-key …\)\.$/,
  safe: 'Sicher: Ihre neueste Sicherung ist extern bestätigt.',
  otherKey:
    'Status unbekannt: der externe Status ist mit einem anderen Schlüssel signiert als dem festgelegten des externen Pi.',
  replay: 'Status unbekannt: ein älterer externer Status wird erneut ausgeliefert (Wiedereinspielung).',
  stale: 'Status unbekannt: der externe Pi hat seinen Status zu lange nicht erneuert.',
  unknownState: 'Unbekannt',
  failedState: 'Fehlgeschlagen',
  offsite: 'Externer Pi',
  missing:
    /^Gefährdet: Der externen Kopie Ihrer neuesten Sicherung fehlen Daten: Der externe Pi hat 1 beschädigte Datei beiseitegelegt, die sie braucht \(betroffen: .*\/Documents\/report\.bin\)\./,
  missingNext: /Nächster Schritt: Verlassen Sie sich nicht auf die externe Kopie dieser Sicherung\./,
  missingHop: /^Der externen Kopie Ihrer neuesten Sicherung fehlen Daten: /,
  note: 'Sicher: Ihre neueste Sicherung ist extern bestätigt. (Der externe Pi hat 1 nicht benötigte Datei beiseitegelegt.)',
};

async function walkStates(t: Texts, lang: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name: t.overview }).waitFor();

  // Not pinned (a setup from before signed statuses): read as before, with the warning and its one step.
  pinned = undefined;
  await serve(signed(status()));
  await verdict().filter({ hasText: t.safe }).waitFor();
  expect(await page.locator('.trust-note').innerText()).toMatch(t.notPinned);
  await screenshot(page, `trust-not-pinned-${lang}`);

  // Pinned: the offsite Pi's own signature is safe, and the warning is gone.
  pinned = pin;
  const accepted = status();
  await serve(signed(accepted));
  await verdict().filter({ hasText: t.safe }).waitFor();
  expect(await page.locator('.trust-note').count()).toBe(0);

  // Signed by another key (the onsite Pi signs its own forgery): unknown with the reason.
  await serve(signed(status(), strangerKey));
  await verdict().filter({ hasText: t.otherKey }).waitFor();
  expect(await hop(t.offsite).locator('.hop-state').innerText()).toBe(t.unknownState);
  await screenshot(page, `trust-other-key-${lang}`);

  // Replayed: a newer document was accepted, the onsite Pi serves the older one again.
  await serve(signed(status()));
  await verdict().filter({ hasText: t.safe }).waitFor();
  await serve(signed(accepted));
  await verdict().filter({ hasText: t.replay }).waitFor();
  expect(await hop(t.offsite).locator('.hop-state').innerText()).toBe(t.unknownState);

  // Stale: validly signed and new in sequence, but not renewed for more than a day.
  await serve(signed(status({ updatedAt: Date.now() - 40 * HOUR })));
  await verdict().filter({ hasText: t.stale }).waitFor();
  await screenshot(page, `trust-stale-${lang}`);

  // Set aside offsite: the pack holding report.bin (restic finds it in the snapshot) — at risk, offsite failed.
  await serve(signed(status({ quarantined: [`data/${usedPack.slice(0, 2)}/${usedPack}`] })));
  await verdict().filter({ hasText: t.missing }).waitFor();
  expect(await verdict().innerText()).toMatch(t.missingNext);
  const off = hop(t.offsite);
  expect(await off.locator('.hop-state').innerText()).toBe(t.failedState);
  expect(await off.locator('.hop-reason').innerText()).toMatch(t.missingHop);
  await screenshot(page, `trust-quarantine-needed-${lang}`);

  // Set aside offsite: a junk pack no index knows — safe, with the note.
  const junk = 'f'.repeat(64);
  await serve(signed(status({ quarantined: [`data/ff/${junk}`] })));
  await verdict().filter({ hasText: t.note }).waitFor();
  await screenshot(page, `trust-quarantine-unrelated-${lang}`);
}

describe('acceptance: trust states of the offsite status (real core, built renderer)', () => {
  it('in English', async () => {
    await walkStates(en, 'en');
  });

  it('in German', async () => {
    await nav('Settings').click();
    await page.getByLabel('Language').selectOption('de');
    await nav('Übersicht').click();
    await walkStates(de, 'de');
  });
});
