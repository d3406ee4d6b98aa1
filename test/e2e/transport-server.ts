import { build } from 'esbuild';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppEvent } from '../../contract/ipc.js';
import { createDispatcher, type ShellPort } from '../../electron/main/dispatch.js';
import type { EnginePort } from '../../electron/main/engine-port.js';

/**
 * The e2e transport server: binds the contract to an EnginePort over HTTP on 127.0.0.1, through the same
 * dispatcher as Electron's IPC binding (zod input validation, ErrorInfo results; outputs validated too, so an
 * engine that drifts from the contract fails the e2e run). It also serves the built renderer (dist/renderer),
 * so the page's CSP 'self' covers the API. Shell requests (folders, clipboard) go to `shell`.
 *
 *   POST /api/<request>   body {"input": …}  →  Result JSON
 *   GET  /events          Server-Sent Events, one AppEvent per message
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

export interface TransportServer {
  url: string;
  /** Pushes a shell event (e.g. navigate, as the tray would) to every connected page. */
  pushShell(event: AppEvent): void;
  /** Drops every event stream (pages reconnect and resync): simulates a lost connection. */
  dropConnections(): void;
  close(): Promise<void>;
}

export interface TransportOptions {
  engine: EnginePort;
  shell: ShellPort;
  /** Built renderer folder; default dist/renderer. */
  staticDir?: string;
  logError?: (message: string, error: unknown) => void;
  /** Validate engine outputs against the contract (default true; benchmarks turn it off, as production does). */
  validateOutputs?: boolean;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 10_000_000) throw new Error('request too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startTransportServer(options: TransportOptions): Promise<TransportServer> {
  const staticDir = path.resolve(options.staticDir ?? path.join(root, 'dist', 'renderer'));
  const dispatch = createDispatcher(options.engine, options.shell, {
    validateOutputs: options.validateOutputs ?? true,
    logError: options.logError ?? ((m, e) => console.error(`[transport] ${m}`, e)),
  });
  const streams = new Set<ServerResponse>();
  const send = (event: AppEvent) => {
    const data = `data: ${JSON.stringify(event)}\n\n`;
    for (const s of streams) s.write(data);
  };
  const unsubscribe = options.engine.subscribe(send);

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method === 'POST' && url.pathname.startsWith('/api/')) {
        const name = decodeURIComponent(url.pathname.slice(5));
        const body = await readBody(req);
        const { input } = (body ? JSON.parse(body) : {}) as { input?: unknown };
        const result = await dispatch(name, input);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(result));
        return;
      }
      if (req.method === 'GET' && url.pathname === '/events') {
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-store',
          connection: 'keep-alive',
        });
        res.write(': connected\n\n');
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      }
      if (req.method === 'GET') {
        const rel =
          url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
        const file = path.resolve(staticDir, rel);
        if (!file.startsWith(staticDir + path.sep)) {
          res.writeHead(403).end();
          return;
        }
        const info = await stat(file).catch(() => undefined);
        if (!info?.isFile()) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
        createReadStream(file).pipe(res);
        return;
      }
      res.writeHead(405).end();
    } catch (e) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          ok: false,
          error: { kind: 'failed', message: e instanceof Error ? e.message : String(e) },
        }),
      );
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    pushShell: send,
    dropConnections() {
      for (const s of streams) s.destroy();
      streams.clear();
    },
    async close() {
      unsubscribe();
      for (const s of streams) s.destroy();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The browser transport as one script for `page.addInitScript({ content })`. */
export async function browserTransportScript(): Promise<string> {
  const out = await build({
    entryPoints: [path.join(root, 'test', 'e2e', 'browser-transport.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'chrome120',
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

/** A Node stand-in for main's shell requests that records what the page asked for. */
export function recordingShell(options: { homeDir: string; chooseFolder?: string | null }): ShellPort & {
  calls: { name: string; input: unknown }[];
} {
  const calls: { name: string; input: unknown }[] = [];
  return {
    calls,
    getEnvironment: async () => ({
      platform: 'linux',
      homeDir: options.homeDir,
      restoreRoot: path.join(options.homeDir, 'Restored'),
      sep: '/',
      appVersion: '0.0.0-e2e',
      locale: 'en-US',
    }),
    chooseFolder: async (input) => (
      calls.push({ name: 'chooseFolder', input }),
      { path: options.chooseFolder ?? null }
    ),
    openFolder: async (input) => void calls.push({ name: 'openFolder', input }),
    openHelp: async (input) => void calls.push({ name: 'openHelp', input }),
    copyText: async (input) => void calls.push({ name: 'copyText', input }),
  };
}
