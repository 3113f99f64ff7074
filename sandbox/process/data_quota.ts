/**
 * A size and file-count quota on a plugin's data dir, which shares the disk with the JetStream
 * store and the logs.
 *
 * What the kernel enforces: RLIMIT_FSIZE (`prlimit --fsize`, launch_command.ts) caps every single
 * file at the byte quota; the runner ignores SIGXFSZ, so a write past it fails with "File too
 * large (os error 27)" instead of killing the process (measured, Deno 2.9.6). No loop or tmpfs
 * mount: they need privileges and setup we cannot count on (and tmpfs is volatile).
 *
 * What the manager enforces: {@linkcode DataQuotaGuard} recounts the tree (lstat, links never
 * followed) on every change `Deno.watchFs` reports (debounced) and on a periodic timer (watch
 * events can be dropped: inotify queue overflow). Past the quota it locks the dir
 * ({@linkcode lockDataDir}): every directory and file is handed to the manager's uid with the
 * plugin's group keeping read access, so the plugin still reads its data while every write,
 * create or delete fails with "Permission denied". A file it had opened for writing before the
 * lock stays writable through that descriptor: if usage still grows after the lock the caller
 * kills the process (the next launch starts locked).
 *
 * Overshoot: what the plugin writes between crossing the quota and the recount that sees it
 * (at most `DEBOUNCE_MS` plus the walk), and through descriptors opened before the lock
 * until the next recount; each single file stays under the byte quota.
 *
 * @module
 */
import type { UidAssignment } from "./uid_pool.ts";

/** Bytes and entries (files, directories, anything) under a data dir. */
export interface DataUsage {
  bytes: number;
  files: number;
}

/** The quota: at most `bytes` in at most `files` entries. */
export interface DataQuota {
  bytes: number;
  files: number;
}

/** Recount this long after the last change event: a burst of writes costs one walk. */
export const DEBOUNCE_MS = 200;

/**
 * Sums sizes and counts entries under `dir` with lstat semantics (a symlink is one entry of its
 * own size, never followed). Entries that vanish during the walk are skipped.
 */
export async function measureDataDir(dir: string): Promise<DataUsage> {
  const usage: DataUsage = { bytes: 0, files: 0 };
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    try {
      for await (const entry of Deno.readDir(current)) {
        const path = `${current}/${entry.name}`;
        try {
          const info = await Deno.lstat(path);
          usage.files++;
          usage.bytes += info.size;
          if (info.isDirectory) pending.push(path);
        } catch {
          // removed meanwhile
        }
      }
    } catch {
      // a directory removed meanwhile
    }
  }
  return usage;
}

/** Whether `usage` is over `quota`, in words ("70 MiB > 64 MiB"), or null. */
export function overQuota(usage: DataUsage, quota: DataQuota): string | null {
  const parts: string[] = [];
  if (usage.bytes > quota.bytes) parts.push(`${mib(usage.bytes)} > ${mib(quota.bytes)}`);
  if (usage.files > quota.files) parts.push(`${usage.files} files > ${quota.files}`);
  return parts.length > 0 ? parts.join(", ") : null;
}

/**
 * Makes `dir` read-only for the plugin's uid: every directory becomes `<manager uid>:<plugin
 * gid>` 0750 and every file 0640, top down (a directory is locked before its entries are
 * listed, so nothing new appears behind the walk). Files with other hard links are left alone:
 * re-owning one would change that inode wherever else it is linked.
 */
export async function lockDataDir(dir: string, uid: UidAssignment): Promise<void> {
  const me = Deno.uid() ?? 0;
  const pending = [dir];
  await Deno.chown(dir, me, uid.gid);
  await Deno.chmod(dir, 0o750);
  while (pending.length > 0) {
    const current = pending.pop()!;
    for await (const entry of Deno.readDir(current)) {
      const path = `${current}/${entry.name}`;
      const info = await Deno.lstat(path).catch(() => null);
      if (info === null || info.isSymlink) continue; // never follow a link
      if (info.isDirectory) {
        await Deno.chown(path, me, uid.gid);
        await Deno.chmod(path, 0o750);
        pending.push(path);
      } else if ((info.nlink ?? 1) <= 1) {
        await Deno.chown(path, me, uid.gid);
        await Deno.chmod(path, 0o640);
      }
    }
  }
}

export interface DataQuotaGuardOptions {
  dir: string;
  quota: DataQuota;
  /** Called on each recount that finds the dir over the quota. */
  onOver: (usage: DataUsage, why: string) => void | Promise<void>;
  /** Periodic recount, in case watch events were lost. Default 10 s. */
  recountMs?: number;
}

/** Watches a data dir and recounts it on changes and periodically. `close()` stops it. */
export class DataQuotaGuard {
  readonly #options: DataQuotaGuardOptions;
  #watcher: Deno.FsWatcher | null = null;
  #debounce: ReturnType<typeof setTimeout> | undefined;
  #interval: ReturnType<typeof setInterval> | undefined;
  #counting: Promise<void> | null = null;
  #again = false;
  #closed = false;
  #loop: Promise<void> = Promise.resolve();
  /** The last count. */
  usage: DataUsage = { bytes: 0, files: 0 };

  constructor(options: DataQuotaGuardOptions) {
    this.#options = options;
  }

  /** Counts once now, then on every change and every `recountMs`. */
  async start(): Promise<DataUsage> {
    try {
      this.#watcher = Deno.watchFs(this.#options.dir, { recursive: true });
      const watcher = this.#watcher;
      this.#loop = (async () => {
        for await (const _event of watcher) this.#schedule();
      })().catch(() => undefined);
    } catch {
      // no inotify (or out of watches): the periodic recount still holds the line
    }
    this.#interval = setInterval(() => void this.recount(), this.#options.recountMs ?? 10_000);
    await this.recount();
    return this.usage;
  }

  /** Recounts now (coalesced with a count already running). */
  recount(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#counting) {
      this.#again = true;
      return this.#counting;
    }
    this.#counting = (async () => {
      do {
        this.#again = false;
        this.usage = await measureDataDir(this.#options.dir);
        const why = overQuota(this.usage, this.#options.quota);
        if (why !== null && !this.#closed) await this.#options.onOver(this.usage, why);
      } while (this.#again && !this.#closed);
    })().finally(() => (this.#counting = null));
    return this.#counting;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#debounce);
    clearInterval(this.#interval);
    try {
      this.#watcher?.close();
    } catch {
      // already closed
    }
    await this.#loop;
    await this.#counting?.catch(() => undefined);
  }

  /** At most one recount per `DEBOUNCE_MS` however many events: a steady stream cannot defer it. */
  #schedule() {
    if (this.#debounce !== undefined || this.#closed) return;
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      void this.recount();
    }, DEBOUNCE_MS);
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
