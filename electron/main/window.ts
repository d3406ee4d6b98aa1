import { BrowserWindow, type WebContents } from 'electron';
import { openExternalLink } from './external-links.js';
import { externalLinkFor, isAllowedNavigation } from './security.js';

export interface WindowOptions {
  preload: string;
  indexHtml: string;
  indexUrl: string;
  icon?: string;
  /** Devtools only in development builds. */
  devTools: boolean;
}

/**
 * Locks down a renderer: no navigation away from our index.html, no new windows (links to known help pages go to
 * the browser instead), no <webview>, no permissions (camera, notifications from the page, …).
 */
export function hardenContents(contents: WebContents, indexUrl: string): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url, indexUrl)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAllowedNavigation(url, indexUrl)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const link = externalLinkFor(url);
    if (link) void openExternalLink(link);
    return { action: 'deny' };
  });
  contents.session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  contents.session.setPermissionCheckHandler(() => false);
}

/** The main window: isolated, sandboxed, no Node; created hidden and shown once painted. */
export function createMainWindow(options: WindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1100,
    height: 760,
    minWidth: 720,
    minHeight: 520,
    show: false,
    title: 'Restray',
    ...(options.icon ? { icon: options.icon } : {}),
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      // Middle-click would otherwise try to open links in a new window (denied anyway; one path fewer).
      disableBlinkFeatures: 'Auxclick',
      devTools: options.devTools,
    },
  });
  hardenContents(win.webContents, options.indexUrl);
  win.once('ready-to-show', () => win.show());
  void win.loadFile(options.indexHtml);
  return win;
}

/**
 * Closing the window hides it: the app lives on in the tray. `isQuitting` turns true on Quit, then close
 * really closes.
 */
export function keepInTrayOnClose(win: BrowserWindow, isQuitting: () => boolean): void {
  win.on('close', (event) => {
    if (isQuitting()) return;
    event.preventDefault();
    win.hide();
  });
}
