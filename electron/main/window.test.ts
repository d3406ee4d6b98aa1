import { describe, expect, it, vi } from 'vitest';

type Listener = (...args: unknown[]) => void;
const created: FakeWindow[] = [];
const openExternal = vi.fn(async () => {});

class FakeContents {
  listeners = new Map<string, Listener>();
  openHandler: ((d: { url: string }) => { action: string }) | undefined;
  permission: Listener | undefined;
  session = {
    setPermissionRequestHandler: (fn: Listener) => (this.permission = fn),
    setPermissionCheckHandler: () => {},
  };
  on(event: string, fn: Listener) {
    this.listeners.set(event, fn);
  }
  setWindowOpenHandler(fn: (d: { url: string }) => { action: string }) {
    this.openHandler = fn;
  }
}
class FakeWindow {
  webContents = new FakeContents();
  listeners = new Map<string, Listener>();
  hidden = false;
  constructor(public options: { webPreferences: Record<string, unknown> }) {
    created.push(this);
  }
  on(event: string, fn: Listener) {
    this.listeners.set(event, fn);
  }
  once(event: string, fn: Listener) {
    this.listeners.set(event, fn);
  }
  loadFile = vi.fn(async () => {});
  hide() {
    this.hidden = true;
  }
  show() {}
}

vi.mock('electron', () => ({ BrowserWindow: FakeWindow, shell: { openExternal } }));
const { createMainWindow, keepInTrayOnClose } = await import('./window.js');

const indexUrl = 'file:///app/dist/renderer/index.html';
const make = () =>
  createMainWindow({
    preload: '/app/dist/electron/preload.cjs',
    indexHtml: '/app/dist/renderer/index.html',
    indexUrl,
    devTools: false,
  }) as unknown as FakeWindow;

describe('createMainWindow', () => {
  it('isolates and sandboxes the renderer without Node', () => {
    const win = make();
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
      disableBlinkFeatures: 'Auxclick',
      devTools: false,
    });
    expect(win.loadFile).toHaveBeenCalledWith('/app/dist/renderer/index.html');
  });

  it('denies navigation away, new windows, webviews and permissions; vetted links go to the browser', () => {
    const win = make();
    const c = win.webContents;
    const ev = () => ({ preventDefault: vi.fn() });
    const away = ev();
    c.listeners.get('will-navigate')!(away, 'https://evil.example/');
    expect(away.preventDefault).toHaveBeenCalled();
    const home = ev();
    c.listeners.get('will-navigate')!(home, `${indexUrl}#/logs`);
    expect(home.preventDefault).not.toHaveBeenCalled();
    const wv = ev();
    c.listeners.get('will-attach-webview')!(wv);
    expect(wv.preventDefault).toHaveBeenCalled();
    expect(c.openHandler!({ url: 'https://restic.readthedocs.io/en/stable/' })).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledWith('https://restic.readthedocs.io/en/stable/');
    expect(c.openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledTimes(1);
    const cb = vi.fn();
    c.permission!({}, 'media', cb);
    expect(cb).toHaveBeenCalledWith(false);
  });

  it('closing hides the window unless quitting', () => {
    const win = make();
    let quitting = false;
    keepInTrayOnClose(win as never, () => quitting);
    const e1 = { preventDefault: vi.fn() };
    win.listeners.get('close')!(e1);
    expect(e1.preventDefault).toHaveBeenCalled();
    expect(win.hidden).toBe(true);
    quitting = true;
    const e2 = { preventDefault: vi.fn() };
    win.listeners.get('close')!(e2);
    expect(e2.preventDefault).not.toHaveBeenCalled();
  });
});
