/**
 * A lock per run, so that several workers (`--jobs`, two `compare` on one `--out`, Slurm tasks on
 * a shared folder) share a grid without training a run twice. The lock file holds the owner's pid
 * and host, and appears whole: the owner writes it under a private name first, then hard-links it
 * to the lock's name, which fails if the name exists (an exclusive create: of two takers exactly one
 * succeeds, also on NFS), so a kill at any instant never leaves an empty lock. A lock whose owner
 * is a process on this host that no longer exists (killed, crashed) is stale and is taken over; so
 * is a lock file that holds no owner (written by something else) once it is a minute old. A lock
 * held from another host is trusted: its liveness cannot be checked from here.
 *
 * @module
 */
import { hostname } from "node:os";

/** What a lock file holds. */
export interface LockOwner {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
}

/** The outcome of {@link tryLock}. */
export type LockAttempt =
  | { acquired: true; release: () => Promise<void>; tookOverStale: LockOwner | null }
  | { acquired: false; owner: LockOwner | null };

function thisHost(): string {
  try {
    return hostname();
  } catch {
    return "unknown-host";
  }
}

/**
 * Whether a process with this pid exists on this machine (Linux `/proc`; elsewhere assumed alive,
 * which only makes a stale lock wait instead of being taken over).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { processAlive } from "./lock.ts";
 * assert.equal(processAlive(Deno.pid), true);
 * ```
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (Deno.build.os !== "linux") return true;
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** An unreadable lock file older than this is stale (a live owner's lock is whole at once). */
const UNREADABLE_STALE_MS = 60_000;

async function unreadableAndOld(path: string): Promise<boolean> {
  try {
    const { mtime } = await Deno.stat(path);
    return mtime !== null && Date.now() - mtime.getTime() > UNREADABLE_STALE_MS;
  } catch {
    return false;
  }
}

async function readOwner(path: string): Promise<LockOwner | null> {
  try {
    const owner = JSON.parse(await Deno.readTextFile(path));
    return typeof owner?.pid === "number" && typeof owner?.host === "string" ? owner : null;
  } catch {
    return null; // being written right now, or removed meanwhile
  }
}

/**
 * Tries to take the lock at `path`: creates it exclusively with this process's pid; if it exists
 * and its owner is a dead process of this host, removes it and tries once more.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tryLock } from "./lock.ts";
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/run.lock`;
 * const first = await tryLock(path);
 * const second = await tryLock(path);
 * assert.ok(first.acquired && !second.acquired);
 * if (first.acquired) await first.release();
 * const third = await tryLock(path);
 * assert.ok(third.acquired);
 * if (third.acquired) await third.release();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function tryLock(path: string): Promise<LockAttempt> {
  if (typeof path !== "string" || path === "") {
    throw new TypeError(`tryLock: path must be a non-empty string, got ${JSON.stringify(path)}`);
  }
  let tookOverStale: LockOwner | null = null;
  for (let attempt = 0; attempt < 2; attempt++) {
    const owner: LockOwner = { pid: Deno.pid, host: thisHost(), since: new Date().toISOString() };
    const pending = `${path}.${Deno.pid}-${crypto.randomUUID().slice(0, 8)}.pending`;
    await Deno.writeTextFile(pending, JSON.stringify(owner));
    let linked = false;
    try {
      await Deno.link(pending, path);
      linked = true;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    } finally {
      await Deno.remove(pending).catch(() => {});
    }
    if (linked) {
      return {
        acquired: true,
        tookOverStale,
        release: async () => {
          try {
            const current = await readOwner(path);
            if (current?.pid === owner.pid && current.host === owner.host) await Deno.remove(path);
          } catch (error) {
            if (!(error instanceof Deno.errors.NotFound)) throw error;
          }
        },
      };
    }
    const holder = await readOwner(path);
    const stale = holder === null
      ? await unreadableAndOld(path)
      : holder.host === thisHost() && !processAlive(holder.pid);
    if (!stale || attempt > 0) return { acquired: false, owner: holder };
    // Remove only the stale file we read: if another worker took it over meanwhile, its lock
    // has another pid and stays (the exclusive create below then fails for us).
    const again = await readOwner(path);
    if (again?.pid !== holder?.pid) return { acquired: false, owner: again };
    try {
      await Deno.remove(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    tookOverStale = holder ?? { pid: 0, host: "unknown", since: "unknown" };
  }
  return { acquired: false, owner: await readOwner(path) };
}
