/**
 * A plugin's persistent key-value storage: JSON values in one file in its data dir
 * (`storage.json`), the only place it may write. Writes go to a temporary file that is then
 * renamed over the old one, so a crash mid-write never leaves half a file. Changes apply in
 * call order; saves are group-committed: changes made while a save is running are written
 * together by the next one, and each change's promise resolves once a save containing it is
 * on disk (measured: one save per command capped a plugin at ~700 commands/s under its CPU
 * limit; batching removes the per-command file write under load). Values must be JSON.
 */
import { GroupCommit } from "@quicksilver/core/client";
import { StorageError } from "./errors.ts";

export interface Storage {
  /** The value stored under `key`, or `undefined`. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Stores a JSON value (replacing the old one). */
  set(key: string, value: unknown): Promise<void>;
  /** Reads, changes and stores one value in one step (no other write interleaves). */
  update<T>(key: string, change: (old: T | undefined) => T): Promise<T>;
  delete(key: string): Promise<boolean>;
  keys(): Promise<string[]>;
  /** Resolves once every change made so far is on disk (the runner calls it on stop). */
  flush(): Promise<void>;
}

const KEY = /^[A-Za-z0-9_.:-]{1,200}$/;
/** Total size cap: storage is for state, not for blobs (the data dir is there for files). */
export const STORAGE_MAX_BYTES = 4 * 1024 * 1024;
export const STORAGE_FILE = "storage.json";
/** Minimum time between two saves (group commit window). */
export const SAVE_INTERVAL_MS = 20;

export class JsonFileStorage implements Storage {
  readonly #path: string;
  readonly #dir: string;
  #data: Record<string, unknown> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #commit = new GroupCommit(() => this.#save(this.#data ?? {}), {
    minIntervalMs: SAVE_INTERVAL_MS,
  });

  /** `dir` is the plugin's data dir. */
  constructor(dir: string) {
    this.#dir = dir;
    this.#path = `${dir}/${STORAGE_FILE}`;
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    checkKey(key);
    const data = await this.#load();
    return structuredClone(data[key]) as T | undefined;
  }

  async set(key: string, value: unknown): Promise<void> {
    checkKey(key);
    const stored = jsonValue(key, value);
    await this.#serial(async () => {
      (await this.#load())[key] = stored;
    });
    await this.#requestSave();
  }

  async update<T>(key: string, change: (old: T | undefined) => T): Promise<T> {
    checkKey(key);
    const next = await this.#serial(async () => {
      const data = await this.#load();
      const value = change(structuredClone(data[key]) as T | undefined);
      data[key] = jsonValue(key, value);
      return value;
    });
    await this.#requestSave();
    return next;
  }

  async delete(key: string): Promise<boolean> {
    checkKey(key);
    const existed = await this.#serial(async () => {
      const data = await this.#load();
      if (!(key in data)) return false;
      delete data[key];
      return true;
    });
    if (existed) await this.#requestSave();
    return existed;
  }

  async keys(): Promise<string[]> {
    return Object.keys(await this.#load());
  }

  /** Waits until every change made so far is on disk. */
  async flush(): Promise<void> {
    await this.#queue;
    await this.#commit.flush();
  }

  #requestSave(): Promise<void> {
    return this.#commit.request();
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(task, task);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #load(): Promise<Record<string, unknown>> {
    if (this.#data) return this.#data;
    let text: string;
    try {
      text = await Deno.readTextFile(this.#path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return (this.#data = {});
      throw new StorageError(`cannot read ${STORAGE_FILE} in the plugin's data dir`, {
        cause: error,
      });
    }
    try {
      const parsed = JSON.parse(text);
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new Error("not an object");
      }
      return (this.#data = parsed as Record<string, unknown>);
    } catch (cause) {
      // Keep the damaged file for a human, start empty rather than refuse to run.
      await Deno.rename(this.#path, `${this.#path}.damaged-${Date.now()}`).catch(() => undefined);
      void cause;
      return (this.#data = {});
    }
  }

  async #save(data: Record<string, unknown>): Promise<void> {
    const text = JSON.stringify(data);
    if (text.length > STORAGE_MAX_BYTES) {
      throw new StorageError(
        `storage would grow to ${text.length} bytes, over the ${STORAGE_MAX_BYTES}-byte cap; ` +
          `delete old keys or keep large data in files in the data dir`,
      );
    }
    const temp = `${this.#dir}/.${STORAGE_FILE}.tmp`;
    await Deno.writeTextFile(temp, text);
    await Deno.rename(temp, this.#path);
  }
}

function checkKey(key: string) {
  if (typeof key !== "string" || !KEY.test(key)) {
    throw new StorageError(
      `storage key ${
        JSON.stringify(key)
      } is not valid; use 1-200 letters, digits, "_", ".", ":" or "-"`,
    );
  }
}

function jsonValue(key: string, value: unknown): unknown {
  if (value === undefined) {
    throw new StorageError(`storage.set("${key}", undefined): use storage.delete to remove a key`);
  }
  try {
    return JSON.parse(JSON.stringify(value));
  } catch (cause) {
    throw new StorageError(`storage value for "${key}" is not JSON (cycles? BigInt?)`, { cause });
  }
}
