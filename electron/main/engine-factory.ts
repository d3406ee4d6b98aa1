import { homedir } from 'node:os';
import { resolvePaths } from '../../core/config/paths.js';
import { AppEngine } from '../../core/engine/app-engine.js';
import { Engine } from '../../core/engine/engine.js';
import { RestrayError, toErrorInfo } from '../../core/errors.js';
import { LOG_NAMES, openEngineLog } from '../../core/logging/engine-log.js';
import { KeytarStore } from '../../core/secrets/keytar-store.js';
import type { ErrorInfo } from '../../contract/errors.js';
import type { EnginePort } from './engine-port.js';

export interface EngineHandle {
  port: EnginePort;
  /** Stops schedules and cancels running jobs (restic removes its locks); call before the app exits. */
  close(): Promise<void>;
}

/**
 * The one place main constructs the engine: core's Engine on the OS paths (or RESTRAY_HOME) and the OS
 * keychain, wrapped by AppEngine (which implements EnginePort), with its scheduler started. When the engine
 * cannot open (e.g. an invalid config file) the app still starts and every request answers with that error,
 * so the window can say what is wrong instead of the app vanishing. Job starts, finishes and unexpected errors
 * also go to `<logDir>/restray-tray.log` (rotated).
 */
export async function createEngineForApp(reportBug: (e: unknown) => void): Promise<EngineHandle> {
  const paths = resolvePaths(process.platform, process.env, homedir());
  const log = openEngineLog(paths.logDir, LOG_NAMES.tray);
  const onBug = (e: unknown) => {
    log.bug(e);
    reportBug(e);
  };
  let engine: Engine;
  try {
    engine = await Engine.open({ paths, secrets: new KeytarStore(), onBug, role: 'tray' });
  } catch (e) {
    const info = toErrorInfo(e);
    if (!(e instanceof RestrayError)) onBug(e);
    return { port: failedEngine(info), close: async () => {} };
  }
  engine.subscribe(log.onEvent);
  await engine.startScheduler();
  return { port: new AppEngine(engine), close: () => engine.close() };
}

/** An EnginePort whose every request fails with the same error (the engine could not start). */
export function failedEngine(error: ErrorInfo): EnginePort {
  const fail = async (): Promise<never> => {
    throw new RestrayError(
      error.kind,
      error.message,
      error.hint === undefined ? undefined : { hint: error.hint },
    );
  };
  return {
    getState: fail,
    backupNow: fail,
    cancel: fail,
    pause: fail,
    resume: fail,
    listSnapshots: fail,
    diffSnapshots: fail,
    listDir: fail,
    searchFiles: fail,
    restore: fail,
    testRestore: fail,
    forgetPreview: fail,
    generateKey: fail,
    scanHostKey: fail,
    confirmHostKey: fail,
    offsiteCommand: fail,
    saveOffsite: fail,
    testConnection: fail,
    createRepository: fail,
    recoverySheet: fail,
    savePlan: fail,
    deletePlan: fail,
    saveSettings: fail,
    changePassword: fail,
    setPassword: fail,
    getRunLog: fail,
    subscribe: () => () => {},
    notifyResume: () => {},
    setOnBattery: () => {},
  };
}
