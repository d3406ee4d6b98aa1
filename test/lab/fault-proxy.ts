import { createConnection, createServer, type Socket } from 'node:net';

/** A TCP proxy on 127.0.0.1 that can break the link the ways real networks do. */
export interface FaultProxy {
  /** Port on 127.0.0.1 to connect to instead of the target. */
  port: number;
  /** Destroys every open connection with a TCP RST on both sides (a router reboot, a dropped VPN). */
  cut(): void;
  /**
   * Stops forwarding in both directions without closing anything (an MTU black hole, a Wi-Fi that hangs):
   * bytes are held, the sockets stay open. Also applies to connections accepted while stalled.
   */
  stall(): void;
  /** Forwards again, held bytes first. */
  resume(): void;
  /** While on, new connections are reset right after accept (existing ones are left alone). */
  refuse(on: boolean): void;
  /** Bytes forwarded so far: up = client → target, down = target → client. */
  bytes: { up: number; down: number };
  /** Number of client connections currently open. */
  connections(): number;
  /** Closes the listener and every connection. */
  stop(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  heldUp: Buffer[];
  heldDown: Buffer[];
}

/**
 * Starts a proxy on a free port of 127.0.0.1 that forwards to `127.0.0.1:targetPort`.
 * Forwarding is done by hand (not pipe()) so that stall() can hold bytes already read by Node as well.
 */
export async function startFaultProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<FaultProxy> {
  const pairs = new Set<Pair>();
  const bytes = { up: 0, down: 0 };
  let stalled = false;
  let refusing = false;

  const drop = (pair: Pair, rst: boolean) => {
    pairs.delete(pair);
    for (const s of [pair.client, pair.upstream]) {
      if (s.destroyed) continue;
      // resetAndDestroy sends RST only on a connected socket; otherwise plain destroy.
      if (rst && s.readyState === 'open') s.resetAndDestroy();
      else s.destroy();
    }
  };

  const server = createServer((client) => {
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host: targetHost, port: targetPort });
    const pair: Pair = { client, upstream, heldUp: [], heldDown: [] };
    pairs.add(pair);
    const forward = (from: Socket, to: Socket, held: Buffer[], dir: 'up' | 'down') => {
      from.on('data', (chunk: Buffer) => {
        if (stalled) {
          held.push(chunk);
          // Stop reading so the kernel buffers fill and the sender's TCP window closes, as on a dead link.
          from.pause();
          return;
        }
        bytes[dir] += chunk.length;
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => {
            if (!stalled) from.resume();
          });
        }
      });
    };
    forward(client, upstream, pair.heldUp, 'up');
    forward(upstream, client, pair.heldDown, 'down');
    if (stalled) {
      client.pause();
      upstream.pause();
    }
    // A clean close on one side is passed on as a clean close (half-close first, like a real path).
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    const onGone = () => drop(pair, false);
    client.on('close', onGone);
    upstream.on('close', onGone);
    // An error on one side (e.g. target refused) resets the other, as the client would see without a proxy.
    client.on('error', () => drop(pair, true));
    upstream.on('error', () => drop(pair, true));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  if (typeof addr !== 'object' || addr === null) throw new Error('fault proxy: no address');

  return {
    port: addr.port,
    bytes,
    connections: () => pairs.size,
    cut() {
      for (const pair of [...pairs]) drop(pair, true);
    },
    stall() {
      stalled = true;
      for (const p of pairs) {
        p.client.pause();
        p.upstream.pause();
      }
    },
    resume() {
      stalled = false;
      for (const p of pairs) {
        for (const [held, to, dir] of [
          [p.heldUp, p.upstream, 'up'],
          [p.heldDown, p.client, 'down'],
        ] as const) {
          for (const chunk of held.splice(0)) {
            bytes[dir] += chunk.length;
            to.write(chunk);
          }
        }
        p.client.resume();
        p.upstream.resume();
      }
    },
    refuse(on: boolean) {
      refusing = on;
    },
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const pair of [...pairs]) drop(pair, true);
      });
    },
  };
}
