/**
 * A plugin's persistent key-value storage: JSON values in its own JetStream KV bucket
 * (`plugin_<name>`, one value per key, file storage). The plugin manager creates the bucket
 * before launch with the plugin's quota (`max_bytes`, `max_msg_size`), so the NATS server
 * enforces it: a write past it fails with {@linkcode StorageQuotaError}, whatever the plugin's
 * code does. The plugin's NATS user may touch only its own bucket.
 *
 * `@nats-io/jetstream` and `@nats-io/kv` are loaded the first time storage is used: a plugin
 * that never touches `ctx.storage` (dice) does not pay for them in memory or start time.
 *
 * Changes of one process apply in call order; each `await` resolves once the server has stored
 * the change (a JetStream publish is acknowledged after it is on disk). Replicas of a plugin on
 * several plugin hosts share the bucket: `update` is a compare-and-set on the key's revision,
 * retried when another replica wrote in between, so no replica's change is lost.
 */
import type { EventBus } from "@quicksilver/core/client";
import type { KV } from "@nats-io/kv";
import { StorageError, StorageQuotaError } from "./errors.ts";
import { apiErrorCode } from "./lease.ts";

export interface Storage {
  /** The value stored under `key`, or `undefined`. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Stores a JSON value (replacing the old one). Throws `StorageQuotaError` when full. */
  set(key: string, value: unknown): Promise<void>;
  /**
   * Reads, changes and stores one value in one step: no other write, from this process or
   * another replica, interleaves. `change` may run more than once (when another replica wrote
   * first it runs again on the newer value), so keep it free of side effects.
   */
  update<T>(key: string, change: (old: T | undefined) => T): Promise<T>;
  delete(key: string): Promise<boolean>;
  keys(): Promise<string[]>;
  /** Resolves once every change made so far is stored (the runner calls it on stop). */
  flush(): Promise<void>;
}

const KEY = /^[A-Za-z0-9_.:-]{1,200}$/;
/** Default total size of a plugin's bucket: storage is for state, not blobs (files go in the data dir). */
export const STORAGE_MAX_BYTES = 4 * 1024 * 1024;
/** The file storage lived in before KV; the manager migrates it once, then renames it. */
export const STORAGE_FILE = "storage.json";

/** JetStream's error codes for a refused store (nats-server 2.9 `server/errors.json`). */
const JS_MAX_BYTES = 10077;
const JS_MESSAGE_TOO_LARGE = 10054;

export interface KvStorageOptions {
  /** The bucket's name (`plugin_<name>`). */
  bucket: string;
  /** Called on each write the quota refused (the runner reports it to the manager). */
  onQuotaExceeded?: (error: StorageQuotaError) => void;
}

/**
 * Storage keys are any of `[A-Za-z0-9_.:-]`; a KV key is a subject, where `.` splits tokens and
 * `:` is not allowed. Every character outside `[A-Za-z0-9_-]` is written `=XX` (hex), so each
 * key is one token and the mapping is reversible (`=` is not a storage key character).
 */
export function encodeStorageKey(key: string): string {
  return key.replace(/[^A-Za-z0-9_-]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The inverse of {@linkcode encodeStorageKey}. */
export function decodeStorageKey(encoded: string): string {
  return encoded.replace(
    /=([0-9A-F]{2})/g,
    (_, hex: string) => String.fromCharCode(parseInt(hex, 16)),
  );
}

type KvModules = [typeof import("@nats-io/jetstream"), typeof import("@nats-io/kv")];
let kvModules: Promise<KvModules> | undefined;
function loadKv(): Promise<KvModules> {
  return kvModules ??= Promise.all([import("@nats-io/jetstream"), import("@nats-io/kv")]);
}

/** {@linkcode Storage} on the plugin's KV bucket, over the runner's own connection. */
export class KvStorage implements Storage {
  readonly #bus: EventBus;
  readonly #options: KvStorageOptions;
  #kv: Promise<KV> | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(bus: EventBus, options: KvStorageOptions) {
    this.#bus = bus;
    this.#options = options;
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    checkKey(key);
    return await this.#read<T>(key);
  }

  async set(key: string, value: unknown): Promise<void> {
    checkKey(key);
    const text = jsonText(key, value);
    await this.#serial(() => this.#write(key, text));
  }

  async update<T>(key: string, change: (old: T | undefined) => T): Promise<T> {
    checkKey(key);
    return await this.#serial(async () => {
      const kv = await this.#open();
      const encoded = encodeStorageKey(key);
      for (let attempt = 1;; attempt++) {
        const entry = await kv.get(encoded).catch((cause) => {
          throw new StorageError(`storage.update("${key}") failed: ${String(cause)}`, { cause });
        });
        const live = entry?.operation === "PUT";
        const value = change(live ? parseJson<T>(entry.string()) : undefined);
        const text = jsonText(key, value);
        try {
          // Compare-and-set: the server refuses the write if the key changed since the read.
          if (entry) await kv.update(encoded, text, entry.revision);
          else await kv.create(encoded, text);
          return value;
        } catch (cause) {
          if (isConflict(cause) && attempt < MAX_UPDATE_ATTEMPTS) continue;
          this.#quota(key, text, cause);
          throw new StorageError(`storage.update("${key}") failed: ${String(cause)}`, { cause });
        }
      }
    });
  }

  async delete(key: string): Promise<boolean> {
    checkKey(key);
    return await this.#serial(async () => {
      if (await this.#read(key) === undefined) return false;
      const kv = await this.#open();
      await kv.delete(encodeStorageKey(key)).catch((cause) => {
        throw new StorageError(`storage.delete("${key}") failed: ${String(cause)}`, { cause });
      });
      return true;
    });
  }

  /**
   * Every stored key. Read from the stream's subject list plus a direct get per subject (a
   * deleted key keeps its delete marker there), not with `KV.keys()`: that creates a consumer,
   * a right plugins do not get (see sandbox/credentials/plugin_permissions.ts).
   */
  async keys(): Promise<string[]> {
    await this.#queue;
    const kv = await this.#open();
    const [{ jetstreamManager }] = await loadKv();
    const prefix = `$KV.${this.#options.bucket}.`;
    const out: string[] = [];
    try {
      const jsm = await jetstreamManager(this.#bus.connection, { checkAPI: false });
      const info = await jsm.streams.info(`KV_${this.#options.bucket}`, {
        subjects_filter: `${prefix}>`,
      });
      for (const subject of Object.keys(info.state.subjects ?? {})) {
        const key = subject.slice(prefix.length);
        // Keys no storage key encodes to (the lease's `=lease`) are the SDK's own.
        if (encodeStorageKey(decodeStorageKey(key)) !== key) continue;
        const entry = await kv.get(key);
        if (entry?.operation === "PUT") out.push(decodeStorageKey(key));
      }
    } catch (cause) {
      throw new StorageError(`storage.keys() failed: ${String(cause)}`, { cause });
    }
    return out;
  }

  /** Waits until every change made so far is stored. */
  async flush(): Promise<void> {
    await this.#queue;
  }

  /** The bucket, opened once (the runner's lease shares it). */
  open(): Promise<KV> {
    return this.#open();
  }

  #open(): Promise<KV> {
    this.#kv ??= loadKv().then(([{ jetstream }, { Kvm }]) =>
      // open() binds without asking the server (no `$JS.API.STREAM.INFO` right needed); the
      // manager created the bucket with direct get on.
      new Kvm(jetstream(this.#bus.connection)).open(this.#options.bucket, { allow_direct: true })
    );
    this.#kv.catch(() => (this.#kv = undefined));
    return this.#kv;
  }

  async #read<T>(key: string): Promise<T | undefined> {
    const kv = await this.#open();
    let text: string | undefined;
    try {
      const entry = await kv.get(encodeStorageKey(key));
      text = entry && entry.operation === "PUT" ? entry.string() : undefined;
    } catch (cause) {
      throw new StorageError(`storage.get("${key}") failed: ${String(cause)}`, { cause });
    }
    return text === undefined ? undefined : parseJson<T>(text);
  }

  async #write(key: string, text: string): Promise<void> {
    const kv = await this.#open();
    try {
      await kv.put(encodeStorageKey(key), text);
    } catch (cause) {
      this.#quota(key, text, cause);
      throw new StorageError(`storage.set("${key}") failed: ${String(cause)}`, { cause });
    }
  }

  /** Throws (and reports) a {@linkcode StorageQuotaError} if the server refused for quota. */
  #quota(key: string, text: string, cause: unknown): void {
    const code = apiErrorCode(cause);
    if (code !== JS_MAX_BYTES && code !== JS_MESSAGE_TOO_LARGE) return;
    const error = code === JS_MAX_BYTES
      ? new StorageQuotaError(
        "full",
        `storage is full (its quota is enforced by the server); "${key}" was not stored: ` +
          `delete keys you no longer need, or keep large data in files in the data dir`,
        { cause },
      )
      : new StorageQuotaError(
        "value-too-large",
        `storage value for "${key}" (${text.length} bytes) is larger than one value may be; ` +
          `split it or keep it in a file in the data dir`,
        { cause },
      );
    this.#options.onQuotaExceeded?.(error);
    throw error;
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(task, task);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

/** JetStream's "wrong last sequence": another writer changed the key since it was read. */
const JS_WRONG_LAST_SEQUENCE = 10071;
/** Compare-and-set rounds before `update` gives up (replicas writing one key nonstop). */
const MAX_UPDATE_ATTEMPTS = 50;

function isConflict(error: unknown): boolean {
  // `kv.create` on a key that exists says so in words ("wrong last sequence" in its message).
  return apiErrorCode(error) === JS_WRONG_LAST_SEQUENCE ||
    /wrong last sequence|key exists/i.test(String(error));
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined; // not written by us (the manager writes JSON too): treat as absent
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

/** Checks a storage key (for the manager's migration, which skips bad ones). */
export function isStorageKey(key: string): boolean {
  return KEY.test(key);
}

function jsonText(key: string, value: unknown): string {
  if (value === undefined) {
    throw new StorageError(`storage.set("${key}", undefined): use storage.delete to remove a key`);
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw new StorageError(`storage value for "${key}" is not JSON (cycles? BigInt?)`, { cause });
  }
  if (text === undefined) {
    throw new StorageError(`storage value for "${key}" is not JSON (a function or a symbol?)`);
  }
  return text;
}
