import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { resolvePaths } from '../../core/config/paths.js';
import { AppEngine } from '../../core/engine/app-engine.js';
import { Engine } from '../../core/engine/engine.js';
import { KeytarStore } from '../../core/secrets/keytar-store.js';
import type { EnginePort } from '../../electron/main/engine-port.js';

/**
 * The real engine for e2e acceptance flows, wired as electron/main/engine-factory.ts wires it, but on a fresh
 * RESTRAY_HOME and the lab's gnome-keyring session (vitest's scenario globalSetup provides it).
 */
export async function openRealEngine(): Promise<{
  port: EnginePort;
  engine: Engine;
  home: string;
  close(): Promise<void>;
}> {
  // keytar binds to the session bus of its first call: point this process at the lab keyring first.
  Object.assign(process.env, inject('keyringEnv'));
  const home = mkdtempSync(join(tmpdir(), 'restray-e2e-home-'));
  const engine = await Engine.open({
    paths: resolvePaths(process.platform, { RESTRAY_HOME: home }, home),
    secrets: new KeytarStore({ service: `restray-e2e-${process.pid}` }),
    onBug: (e) => console.error('[engine bug]', e),
  });
  await engine.startScheduler();
  return { port: new AppEngine(engine), engine, home, close: () => engine.close() };
}
