/**
 * Serves the playground on localhost with `Deno.serve`: the page, its bundle, the TF.js wasm
 * binaries (from node_modules, so nothing is fetched from a CDN) and the Fashion-MNIST subset
 * when it has been made. Nothing else is read from disk.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildPage } from "./build.ts";
import { defaultSubsetPath } from "./subset.ts";
import { wasmBinaryDirectory } from "../src/backends/mod.ts";

/**
 * The wasm binaries of @tensorflow/tfjs-backend-wasm the page may ask for.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WASM_FILES } from "./server.ts";
 * assert.ok(WASM_FILES.includes("tfjs-backend-wasm-simd.wasm"));
 * ```
 */
export const WASM_FILES = [
  "tfjs-backend-wasm.wasm",
  "tfjs-backend-wasm-simd.wasm",
  "tfjs-backend-wasm-threaded-simd.wasm",
] as const;

/** Options of {@link startPlayground}. */
export interface PlaygroundOptions {
  /** TCP port; 0 picks a free one. Default 8000. */
  port?: number;
  /** Default "127.0.0.1". */
  hostname?: string;
  /** The subset file; default {@link defaultSubsetPath}. */
  subsetPath?: string;
}

/** A running playground server. */
export interface Playground {
  /** `http://127.0.0.1:PORT/`. */
  url: string;
  /** Stops the server. */
  shutdown(): Promise<void>;
}

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Builds the page and serves it. Throws a `RangeError` for a bad port before building.
 *
 * @example
 * ```ts ignore
 * import { startPlayground } from "./server.ts";
 * const playground = await startPlayground({ port: 0 });
 * console.log(playground.url);
 * await playground.shutdown();
 * ```
 */
export async function startPlayground(options: PlaygroundOptions = {}): Promise<Playground> {
  const port = options.port ?? 8000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer in [0, 65535], got ${port}`);
  }
  const hostname = options.hostname ?? "127.0.0.1";
  const subsetPath = options.subsetPath ?? defaultSubsetPath();
  const page = await buildPage();
  const [html, css] = await Promise.all([
    Deno.readFile(here("./index.html")),
    Deno.readFile(here("./style.css")),
  ]);
  const wasmDir = wasmBinaryDirectory();
  const headers = (type: string) => ({ "content-type": type, "cache-control": "no-store" });

  const server = Deno.serve({ port, hostname, onListen: () => {} }, async (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === "/" || pathname === "/index.html") {
      return new Response(html, { headers: headers("text/html; charset=utf-8") });
    }
    if (pathname === "/app.js") {
      return new Response(page.script as Uint8Array<ArrayBuffer>, {
        headers: headers("text/javascript; charset=utf-8"),
      });
    }
    if (pathname === "/style.css") {
      return new Response(css, { headers: headers("text/css; charset=utf-8") });
    }
    if (pathname === "/favicon.ico") return new Response(null, { status: 204 });
    const wasm = /^\/wasm\/([a-z-]+\.wasm)$/.exec(pathname);
    if (wasm && (WASM_FILES as readonly string[]).includes(wasm[1])) {
      return new Response(await Deno.readFile(join(wasmDir, wasm[1])), {
        headers: headers("application/wasm"),
      });
    }
    if (pathname === "/data/fashion-mnist-subset.bin") {
      try {
        return new Response(await Deno.readFile(subsetPath), {
          headers: headers("application/octet-stream"),
        });
      } catch {
        return new Response(`no subset file at ${subsetPath}; run: deno task playground:data\n`, {
          status: 404,
          headers: headers("text/plain; charset=utf-8"),
        });
      }
    }
    return new Response("not found\n", { status: 404, headers: headers("text/plain") });
  });
  const address = server.addr as Deno.NetAddr;
  return {
    url: `http://${hostname}:${address.port}/`,
    shutdown: () => server.shutdown(),
  };
}
