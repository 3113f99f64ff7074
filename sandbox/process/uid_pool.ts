/**
 * One numeric uid/gid per plugin, so that plugins cannot read each other's data, signal each
 * other, or share an RLIMIT_NPROC budget (it counts every thread of a uid). The ids need no
 * passwd entry (setpriv takes numbers). A plugin's uid is derived from a hash of its name, so its
 * data dir keeps its owner across restarts; collisions probe to the next free id, and a caller
 * can pass the data dir's current owner as `preferUid` to keep even a probed id stable.
 *
 * @module
 */
import type { Logger } from "../../core/log/mod.ts";
import { silentLogger } from "../../core/log/mod.ts";
import { UidPoolError } from "./errors.ts";

/** A dedicated identity for one plugin. gid equals uid. */
export interface UidAssignment {
  uid: number;
  gid: number;
}

export interface UidPoolOptions {
  /** First id of the range. Default 61000. */
  first?: number;
  /** Last id of the range (inclusive). Default 61999. */
  last?: number;
  /** Whether we may switch uid; default `Deno.uid() === 0`. */
  isRoot?: boolean;
  /** false when setpriv is missing (from `LimitSupport.tools.setpriv`). Default true. */
  setprivAvailable?: boolean;
  /** Ids never to hand out; default: every uid in /etc/passwd and gid in /etc/group. */
  reservedIds?: Iterable<number>;
  /** Gets one warning when uids cannot be assigned. */
  logger?: Logger;
}

export const DEFAULT_UID_RANGE = { first: 61000, last: 61999 } as const;

/** Hands out per-plugin uids; see the module doc. */
export class UidPool {
  readonly first: number;
  readonly last: number;
  /** Why plugins share the manager's uid, or null when the pool works. */
  readonly unavailableReason: string | null;
  readonly #reserved: Set<number>;
  readonly #byPlugin = new Map<string, UidAssignment>();
  readonly #byUid = new Map<number, string>();

  constructor(options: UidPoolOptions & { reservedIds: Iterable<number> }) {
    this.first = options.first ?? DEFAULT_UID_RANGE.first;
    this.last = options.last ?? DEFAULT_UID_RANGE.last;
    if (
      !Number.isInteger(this.first) || !Number.isInteger(this.last) || this.first < 1 ||
      this.last < this.first || this.last > 4_294_967_294
    ) {
      throw new UidPoolError(
        `uid range ${this.first}-${this.last} is not valid; write two whole numbers with ` +
          `1 <= first <= last, e.g. 61000-61999`,
      );
    }
    if (this.first < 1000) {
      throw new UidPoolError(
        `uid range starts at ${this.first}, among system accounts; start at 1000 or above, e.g. 61000`,
      );
    }
    this.#reserved = new Set(options.reservedIds);
    const isRoot = options.isRoot ?? Deno.uid() === 0;
    this.unavailableReason = !isRoot
      ? `plugins share the manager's uid because the manager is not root (uid ${Deno.uid()}); ` +
        `switching uid needs root: start the bot as root to give each plugin its own uid`
      : options.setprivAvailable === false
      ? "plugins share the manager's uid because setpriv (util-linux) is not installed"
      : null;
    if (this.unavailableReason) (options.logger ?? silentLogger).warn(this.unavailableReason);
  }

  /** True when {@linkcode UidPool.assign} hands out dedicated ids. */
  get enabled(): boolean {
    return this.unavailableReason === null;
  }

  /** Number of ids in the range. */
  get size(): number {
    return this.last - this.first + 1;
  }

  /**
   * The plugin's uid/gid, or null when the pool is unavailable (see `unavailableReason`).
   * Calling it again for the same plugin returns the same ids.
   */
  assign(
    plugin: string,
    options: { preferUid?: number | null | undefined } = {},
  ): UidAssignment | null {
    if (!this.enabled) return null;
    const existing = this.#byPlugin.get(plugin);
    if (existing) return existing;
    const prefer = options.preferUid;
    let uid: number | null = null;
    if (prefer != null && this.#free(prefer)) uid = prefer;
    const home = this.slotOf(plugin);
    for (let i = 0; uid === null && i < this.size; i++) {
      const candidate = this.first + ((home - this.first + i) % this.size);
      if (this.#free(candidate)) uid = candidate;
    }
    if (uid === null) {
      throw new UidPoolError(
        `no free uid left in ${this.first}-${this.last} for plugin ${plugin} ` +
          `(${this.#byPlugin.size} plugins assigned); widen the range`,
      );
    }
    const assignment = { uid, gid: uid };
    this.#byPlugin.set(plugin, assignment);
    this.#byUid.set(uid, plugin);
    return assignment;
  }

  /** Forgets a plugin's assignment (e.g. it was uninstalled). */
  release(plugin: string): void {
    const a = this.#byPlugin.get(plugin);
    if (!a) return;
    this.#byPlugin.delete(plugin);
    this.#byUid.delete(a.uid);
  }

  /** The plugin's current assignment, if any. */
  lookup(plugin: string): UidAssignment | undefined {
    return this.#byPlugin.get(plugin);
  }

  /** The uid a plugin gets when nothing collides: FNV-1a of its name, mapped into the range. */
  slotOf(plugin: string): number {
    return this.first + (fnv1a(plugin) % this.size);
  }

  #free(uid: number): boolean {
    return uid >= this.first && uid <= this.last && !this.#reserved.has(uid) &&
      !this.#byUid.has(uid);
  }
}

/**
 * Creates a pool, reserving every id already named in /etc/passwd and /etc/group.
 *
 * @example
 * ```ts
 * import { createUidPool } from "./uid_pool.ts";
 * const pool = await createUidPool({ isRoot: true });
 * const a = pool.assign("trivia");
 * console.assert(a !== null && a.uid === pool.assign("trivia")?.uid);
 * ```
 */
export async function createUidPool(options: UidPoolOptions = {}): Promise<UidPool> {
  const reservedIds = options.reservedIds ?? await systemIds();
  return new UidPool({ ...options, reservedIds });
}

async function systemIds(): Promise<Set<number>> {
  const ids = new Set<number>();
  for (const file of ["/etc/passwd", "/etc/group"]) {
    let text = "";
    try {
      text = await Deno.readTextFile(file);
    } catch {
      continue; // no such file (minimal containers): nothing to reserve
    }
    for (const line of text.split("\n")) {
      const id = Number(line.split(":")[2]);
      if (line && Number.isInteger(id)) ids.add(id);
    }
  }
  return ids;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
