import type { BrowserWindow } from 'electron';
import {
  app,
  ipcMain,
  Menu,
  nativeImage,
  Notification,
  powerMonitor,
  powerSaveBlocker,
  Tray,
} from 'electron';
import { homedir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AppState } from '../../contract/app-state.js';
import type { AppEvent, Screen } from '../../contract/ipc.js';
import { createDispatcher } from './dispatch.js';
import { createEngineForApp } from './engine-factory.js';
import type { EnginePort } from './engine-port.js';
import { bindIpc, pushEvent } from './ipc.js';
import { applyLaunchAtLogin } from './login-item.js';
import { Notifier, noticesForEvent, staleNotices } from './notifications.js';
import { PowerGlue } from './power.js';
import { createShell } from './shell.js';
import { StateCache } from './state-cache.js';
import { pickLang, type Lang } from './strings.js';
import { toMenuTemplate } from './tray.js';
import { trayIconFile, trayStatus } from './tray-icon.js';
import { trayMenu, type TrayAction } from './tray-menu.js';
import { createMainWindow, keepInTrayOnClose } from './window.js';

// Bundled to dist/electron/main.cjs (CommonJS), so __dirname is dist/electron.
const indexHtml = path.join(__dirname, '..', 'renderer', 'index.html');
const indexUrl = pathToFileURL(indexHtml).href;
const preload = path.join(__dirname, 'preload.cjs');
const assets = path.join(app.getAppPath(), 'assets');
/** Started by the login item: stay in the tray instead of opening the window. */
const startedHidden = process.argv.includes('--hidden');

let quitting = false;
let win: BrowserWindow | undefined;
let tray: Tray | undefined;
let cache: StateCache | undefined;
let engine: EnginePort | undefined;
let closeEngine: (() => Promise<void>) | undefined;

const log = (message: string, error: unknown) => console.error(`[restray] ${message}:`, error);
const lang = (): Lang => pickLang(cache?.state?.config.settings.language, app.getLocale());

function showWindow(screen?: Screen, runId?: string): void {
  if (!win || win.isDestroyed()) {
    win = createMainWindow({
      preload,
      indexHtml,
      indexUrl,
      icon: path.join(assets, 'icon.png'),
      devTools: !app.isPackaged,
    });
    keepInTrayOnClose(win, () => quitting);
    if (screen) {
      const w = win;
      w.webContents.once('did-finish-load', () =>
        pushEvent(w.webContents, { type: 'navigate', screen, ...(runId ? { runId } : {}) }),
      );
    }
    return;
  }
  if (screen) pushEvent(win.webContents, { type: 'navigate', screen, ...(runId ? { runId } : {}) });
  win.show();
  win.focus();
}

function runTrayAction(action: TrayAction): void {
  const report = (p: Promise<unknown>) => p.catch((e) => log(`tray action ${action.type} failed`, e));
  switch (action.type) {
    case 'backup-now':
      report(engine!.backupNow({ plan: action.plan }));
      return;
    case 'cancel':
      report(engine!.cancel({ jobId: action.jobId }));
      return;
    case 'pause':
      report(engine!.pause({ until: action.until }));
      return;
    case 'resume':
      report(engine!.resume());
      return;
    case 'open':
      showWindow(action.screen);
      return;
    case 'quit':
      quitting = true;
      app.quit();
      return;
  }
}

function refreshTray(state: AppState | undefined): void {
  if (!tray) return;
  const now = new Date();
  const status = trayStatus(state, now, lang());
  const image = nativeImage.createFromPath(
    path.join(assets, 'tray', trayIconFile(status.look, process.platform)),
  );
  if (process.platform === 'darwin') image.setTemplateImage(true);
  tray.setImage(image);
  tray.setToolTip(`Restray — ${status.tooltip}`);
  tray.setContextMenu(Menu.buildFromTemplate(toMenuTemplate(trayMenu(state, now, lang()), runTrayAction)));
}

let appliedLoginItem: boolean | undefined;
function applyLoginItem(state: AppState): void {
  const want = state.config.settings.launchAtLogin;
  if (want === appliedLoginItem) return;
  appliedLoginItem = want;
  void applyLaunchAtLogin(want, {
    platform: process.platform,
    configHome: process.env.XDG_CONFIG_HOME ?? path.join(homedir(), '.config'),
    executable: process.env.APPIMAGE ?? process.execPath,
    setLoginItemSettings: (s) => app.setLoginItemSettings(s),
  }).catch((e) => log('could not change launch at login', e));
}

async function start(): Promise<void> {
  const handle = await createEngineForApp((e) => log('unexpected engine error', e));
  engine = handle.port;
  closeEngine = handle.close;
  const port = engine;
  const dispatch = createDispatcher(
    port,
    createShell(() => win),
    { logError: log },
  );
  bindIpc(ipcMain, dispatch, indexUrl);

  const notifier = new Notifier(
    (o) => new Notification(o),
    (target) => showWindow(target.screen, target.runId),
    path.join(assets, 'icon.png'),
  );
  const power = new PowerGlue(powerMonitor, powerSaveBlocker, port);
  tray = new Tray(nativeImage.createEmpty());
  tray.on('click', () => showWindow());
  refreshTray(undefined);

  cache = new StateCache(port, {
    beforeEvent: (prev, event) => {
      const state = cache?.state ?? prev;
      const notices = noticesForEvent(prev, event, {
        lang: lang(),
        now: new Date(),
        windowFocused: !!win?.isFocused(),
      });
      notifier.show(notices, state.config.notifications.level);
    },
    changed: (state) => {
      refreshTray(state);
      power.update(state);
      applyLoginItem(state);
    },
    logError: log,
  });
  // Forward engine events to the window; the renderer keeps its own cache with the same reducer.
  port.subscribe((event: AppEvent) => pushEvent(win?.webContents, event));
  power.start();
  await cache.start();

  // Staleness has no event: check hourly (and the tray's ages need refreshing anyway).
  setInterval(() => {
    const state = cache?.state;
    refreshTray(state);
    if (state)
      notifier.show(
        staleNotices(state, { lang: lang(), now: new Date(), windowFocused: false }),
        state.config.notifications.level,
      );
  }, 3_600_000).unref();

  const needsSetup = !cache.state || cache.state.config.repositories.length === 0;
  if (!startedHidden || needsSetup) showWindow(needsSetup ? 'setup' : undefined);
}

// Every renderer sandboxed, including ones created by mistake later.
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  // Another Restray runs: it gets 'second-instance' and shows its window.
  app.quit();
} else {
  app.on('second-instance', () => showWindow());
  app.on('before-quit', () => {
    quitting = true;
  });
  // Cancel running restic jobs cleanly (SIGINT, lock removed) before the process goes away.
  let closed = false;
  app.on('will-quit', (event) => {
    if (closed || !closeEngine) return;
    event.preventDefault();
    closed = true;
    void closeEngine()
      .catch((e) => log('engine close failed', e))
      .finally(() => app.quit());
  });
  // The tray keeps the app alive: closing the last window must not quit.
  app.on('window-all-closed', () => {});
  app.on('activate', () => showWindow());
  app
    .whenReady()
    .then(start)
    .catch((e) => {
      log('start failed', e);
      app.exit(1);
    });
}
