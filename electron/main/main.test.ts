import { describe, expect, it, vi } from 'vitest';

// Loads main.ts against a fake electron module: lifecycle wiring only (the logic is tested in its own modules).
const calls: string[] = [];
const appHandlers = new Map<string, (...a: unknown[]) => void>();
const handles = new Set<string>();
const lock = true;
const trayInstances: { menu?: unknown; tooltip?: string }[] = [];

vi.mock('electron', () => {
  class Tray {
    menu: unknown;
    tooltip = '';
    constructor() {
      trayInstances.push(this);
    }
    on() {}
    setImage() {}
    setToolTip(t: string) {
      this.tooltip = t;
    }
    setContextMenu(m: unknown) {
      this.menu = m;
    }
  }
  class BrowserWindow {
    webContents = {
      on() {},
      once() {},
      setWindowOpenHandler() {},
      session: { setPermissionRequestHandler() {}, setPermissionCheckHandler() {} },
      isDestroyed: () => false,
      send() {},
    };
    constructor() {
      calls.push('window');
    }
    on() {}
    once() {}
    loadFile = async () => {};
    isDestroyed = () => false;
    isFocused = () => false;
    show() {}
    focus() {}
  }
  return {
    app: {
      enableSandbox: () => calls.push('sandbox'),
      requestSingleInstanceLock: () => lock,
      quit: () => calls.push('quit'),
      exit: () => calls.push('exit'),
      on: (e: string, fn: (...a: unknown[]) => void) => appHandlers.set(e, fn),
      whenReady: () => Promise.resolve(),
      getAppPath: () => '/app',
      getLocale: () => 'de-DE',
      getVersion: () => '0.1.0',
      isPackaged: false,
      setLoginItemSettings: (o: unknown) => calls.push(`login:${JSON.stringify(o)}`),
    },
    BrowserWindow,
    Tray,
    Menu: { buildFromTemplate: (t: unknown) => t },
    nativeImage: { createEmpty: () => ({}), createFromPath: () => ({ setTemplateImage() {} }) },
    Notification: class {
      on() {}
      show() {}
    },
    powerMonitor: { on() {}, isOnBatteryPower: () => false },
    powerSaveBlocker: { start: () => 1, stop() {} },
    ipcMain: { handle: (c: string) => handles.add(c), removeHandler() {} },
    shell: {},
    dialog: {},
    clipboard: {},
  };
});

// Never open the real engine (it would read the user's config and keychain): a fake with an empty config.
vi.mock('./engine-factory.js', async () => {
  const { FakeEngine } = await import('../../test/e2e/fake-engine.js');
  const engine = new FakeEngine();
  engine.state = {
    ...engine.state,
    config: { ...engine.state.config, repositories: [], plans: [] },
    repos: [],
    plans: [],
  };
  return { createEngineForApp: async () => ({ port: engine, close: async () => {} }) };
});

// Nor touch the user's autostart folder.
const loginItem = vi.fn(async (_enabled: boolean) => {});
vi.mock('./login-item.js', () => ({ applyLaunchAtLogin: (enabled: boolean) => loginItem(enabled) }));

describe('main', () => {
  it('sandboxes, takes the single-instance lock, binds IPC, builds the tray, opens setup on first run', async () => {
    await import('./main.js');
    await vi.waitFor(() => expect(calls).toContain('window'));
    expect(calls[0]).toBe('sandbox');
    expect(handles.has('restray:getState')).toBe(true);
    expect(appHandlers.has('second-instance')).toBe(true);
    expect(appHandlers.has('window-all-closed')).toBe(true);
    expect(trayInstances[0]?.tooltip).toBe(
      'Restray — Richten Sie Restray ein, um mit Sicherungen zu beginnen',
    );
    if (process.platform !== 'linux')
      expect(calls).toContain('login:{"openAtLogin":false,"args":["--hidden"]}');
    expect(lock).toBe(true);
  });
});
