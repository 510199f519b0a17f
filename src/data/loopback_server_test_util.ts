/**
 * A loopback HTTP/1.1 server on 127.0.0.1 (port 0) for the download tests. It is written on raw
 * TCP so that a test can announce a length and then drop the connection mid-body.
 *
 * @module
 */

/**
 * What the server sends for one path: a status, a body, and optionally a byte count after which
 * it closes the socket (while the Content-Length still announces the whole body).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Route } from "./loopback_server_test_util.ts";
 * const route: Route = { status: 200, body: Uint8Array.of(1, 2), dropAfter: 1 };
 * assert(route.dropAfter === 1);
 * ```
 */
export interface Route {
  readonly status?: number;
  readonly body: Uint8Array;
  readonly dropAfter?: number;
  /** After sending `dropAfter` bytes, keep the connection open (silent) until the client leaves. */
  readonly stall?: boolean;
}

/**
 * A running loopback server: its base URL, the paths requested so far, and `close()`.
 *
 * @example
 * ```ts ignore
 * import { startLoopbackServer } from "./loopback_server_test_util.ts";
 * const server = startLoopbackServer({ "/a": { body: Uint8Array.of(1) } });
 * await fetch(`${server.url}/a`).then((r) => r.arrayBuffer());
 * await server.close();
 * ```
 */
export interface LoopbackServer {
  readonly url: string;
  readonly requests: string[];
  /**
   * Resolves when a `stall` route has sent its `dropAfter` bytes and gone silent (the next stall
   * after this call): tests act on that event instead of sleeping and hoping it happened.
   */
  nextStall(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a server answering each path in `routes` (404 otherwise).
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { startLoopbackServer } from "./loopback_server_test_util.ts";
 * const server = startLoopbackServer({});
 * assert(server.url.startsWith("http://127.0.0.1:"));
 * await server.close();
 * ```
 */
export function startLoopbackServer(routes: Record<string, Route>): LoopbackServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const requests: string[] = [];
  const pending = new Set<Promise<void>>();
  let stallWaiters: (() => void)[] = [];
  const serveOne = async (conn: Deno.Conn) => {
    try {
      const head = await readHead(conn);
      const path = head.split(" ")[1] ?? "/";
      requests.push(path);
      const route = routes[path] ?? { status: 404, body: new TextEncoder().encode("not found") };
      const status = route.status ?? 200;
      const header = `HTTP/1.1 ${status} ${status === 200 ? "OK" : "Error"}\r\n` +
        `Content-Length: ${route.body.length}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n`;
      await writeAll(conn, new TextEncoder().encode(header));
      const end = route.dropAfter ?? route.body.length;
      await writeAll(conn, route.body.subarray(0, end));
      if (route.stall) {
        const waiters = stallWaiters;
        stallWaiters = [];
        for (const resolve of waiters) resolve();
        await conn.read(new Uint8Array(1)).catch(() => null);
      }
    } catch {
      // The client may hang up first; nothing to do.
    } finally {
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  };
  const accepting = (async () => {
    for await (const conn of listener) {
      const task = serveOne(conn);
      pending.add(task);
      task.finally(() => pending.delete(task));
    }
  })();
  const { port } = listener.addr as Deno.NetAddr;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    nextStall: () => new Promise<void>((resolve) => stallWaiters.push(resolve)),
    async close() {
      listener.close();
      await accepting.catch(() => {});
      await Promise.all(pending);
    },
  };
}

async function readHead(conn: Deno.Conn): Promise<string> {
  const buffer = new Uint8Array(8192);
  let text = "";
  while (!text.includes("\r\n\r\n")) {
    const n = await conn.read(buffer);
    if (n === null) break;
    text += new TextDecoder().decode(buffer.subarray(0, n));
  }
  return text;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    written += await conn.write(bytes.subarray(written));
  }
}
