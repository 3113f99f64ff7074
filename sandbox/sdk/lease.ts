/**
 * `ctx.lease`: one active replica of a plugin at a time. A plugin may run on several plugin
 * hosts at once (docs/SCALING.md); commands go to any one of them (a NATS queue group), but a
 * game's timers or a reminder must fire once. The replica holding the lease does that work; the
 * others stand by and one of them takes over when the holder stops renewing (its host died, its
 * process froze), and continues from the state kept in `ctx.storage`.
 *
 * The lease is one key in the plugin's own KV bucket (no other rights needed), changed only by
 * compare-and-set on its revision (a JetStream "expected last subject sequence" publish, so the
 * server lets exactly one writer win):
 * - the holder rewrites it every `renewMs` (1 s) with the revision it last wrote;
 * - a standby reads it every `renewMs`; when the revision has not changed for `ttlMs` (3 s) *on
 *   the standby's own clock* it writes its own value with that revision. No wall clocks are
 *   compared between machines, so clock skew cannot make two holders;
 * - the holder counts itself active only until `ttlMs - renewMs` (2 s) after it *started* its
 *   last successful renewal: a standby can take over no earlier than `ttlMs` after that write was
 *   stored, so two replicas are never active at once, also after a pause (SIGSTOP, a frozen event
 *   loop): a resumed holder sees its time is up before its next renewal is refused;
 * - a standby's clock restarts with every failed read (KV unreachable for everyone during a
 *   JetStream leader election must not look like a holder that stopped renewing), and a replica
 *   whose own renewals failed (its `active` ended, its `onActive` signal aborted) takes the lease
 *   back at its next successful read if the key still has the revision it wrote itself: a CAS on
 *   it proves nobody took over; its `onActive` callbacks run again and re-arm from storage. So an
 *   election pauses the holder's timers for a few seconds but does not move the lease;
 * - a plugin that stops cleanly deletes the key, and a standby takes over at its next read (1 s).
 *
 * Nothing runs until the plugin first touches `ctx.lease`: a plugin without live state pays no
 * KV traffic for it.
 *
 * @module
 */
import type { KV } from "@nats-io/kv";

/** The active-replica lease a plugin sees as `ctx.lease`. */
export interface Lease {
  /**
   * Whether this replica holds the lease now. False until it first wins it, and from the moment
   * it could lose it (it could not renew for 2 s, or another replica took over). Check it before
   * doing once-only work in a timer: a timer armed while active may fire after the lease moved.
   */
  readonly active: boolean;
  /**
   * Runs `fn` every time this replica becomes the active one (at once if it already is), with a
   * signal that aborts when it stops being active (lost, or the plugin is stopping): re-arm
   * timers from storage in `fn`, and stop them on the signal. Joins the campaign on first use.
   * Returns a function that removes `fn`. A throwing `fn` is logged.
   */
  onActive(fn: (signal: AbortSignal) => void | Promise<void>): () => void;
}

/** Timing of a lease, in milliseconds. */
export interface LeaseTiming {
  /** How often the holder renews and a standby looks. Default 1000. */
  renewMs: number;
  /** How long a lease may go unrenewed before a standby takes it. Default 3000. */
  ttlMs: number;
}

export const DEFAULT_LEASE_TIMING: LeaseTiming = Object.freeze({ renewMs: 1000, ttlMs: 3000 });

/**
 * The raw KV key of the lease. Storage keys are written through `encodeStorageKey`, which never
 * yields a key starting with `=` followed by letters outside hex pairs, so no `ctx.storage` key
 * collides with it, and `keys()` leaves it out.
 */
export const LEASE_KEY = "=lease";

/** JetStream's "wrong last sequence" (nats-server `server/errors.json`, JSStreamWrongLastSequenceErrF). */
const JS_WRONG_LAST_SEQUENCE = 10071;

export interface KvLeaseOptions {
  /** The plugin's bucket (`plugin_<name>`). */
  bucket: string;
  /** Who this replica is (shown in the key's value, for operators). */
  holder: string;
  timing?: Partial<LeaseTiming>;
  /** Where failures of `onActive` callbacks and KV errors go. */
  onError?: (message: string, error: unknown) => void;
  /** Opens the bucket (the runner shares its storage's opener). */
  open: () => Promise<KV>;
}

/** {@linkcode Lease} on the plugin's KV bucket. {@linkcode KvLease.close} releases it. */
export class KvLease implements Lease {
  readonly #options: KvLeaseOptions;
  readonly #timing: LeaseTiming;
  readonly #callbacks = new Set<(signal: AbortSignal) => void | Promise<void>>();
  #started = false;
  #closed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #tick: Promise<void> = Promise.resolve();
  /** The revision last seen (standby) or written (holder); 0: none. */
  #revision = 0;
  /** Local time the seen revision last changed (standby). */
  #seenAt = 0;
  /** Local time until which the holder may act; 0 when not active. */
  #activeUntil = 0;
  #activeSignal: AbortController | undefined;
  /** The revision this replica itself last wrote as the holder; 0: none, or taken over. */
  #written = 0;

  constructor(options: KvLeaseOptions) {
    this.#options = options;
    this.#timing = { ...DEFAULT_LEASE_TIMING, ...options.timing };
    if (!(this.#timing.renewMs > 0 && this.#timing.ttlMs >= 2 * this.#timing.renewMs)) {
      throw new RangeError(
        `lease timing: ttlMs (${this.#timing.ttlMs}) must be at least twice renewMs ` +
          `(${this.#timing.renewMs}), both positive`,
      );
    }
  }

  get active(): boolean {
    if (this.#activeSignal && performance.now() >= this.#activeUntil) this.#deactivate();
    return this.#activeSignal !== undefined;
  }

  onActive(fn: (signal: AbortSignal) => void | Promise<void>): () => void {
    this.#callbacks.add(fn);
    this.#start();
    if (this.active) this.#call(fn, this.#activeSignal!.signal);
    return () => void this.#callbacks.delete(fn);
  }

  /** Starts campaigning (also done by the first `onActive` or read of `active` by a plugin). */
  start(): void {
    this.#start();
  }

  /** Stops; a holder deletes the key so a standby takes over at its next look. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#tick;
    const held = this.#activeSignal !== undefined;
    this.#deactivate();
    if (held && this.#revision > 0) {
      const kv = await this.#options.open().catch(() => undefined);
      await kv?.delete(LEASE_KEY, { previousSeq: this.#revision }).catch(() => undefined);
    }
  }

  #start() {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#schedule(0);
  }

  #schedule(ms: number) {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#tick = this.#round().finally(() => this.#schedule(this.#timing.renewMs));
    }, ms);
  }

  async #round(): Promise<void> {
    const startedAt = performance.now();
    let kv: KV;
    try {
      kv = await this.#options.open();
    } catch (error) {
      this.#seenAt = performance.now();
      this.#options.onError?.("lease: the storage bucket could not be opened", error);
      return;
    }
    const value = JSON.stringify({ holder: this.#options.holder, at: Date.now() });
    if (this.active) {
      try {
        // Counted from the write's send: a standby's clock starts no earlier than that.
        const sentAt = performance.now();
        this.#revision = await kv.update(LEASE_KEY, value, this.#revision);
        this.#written = this.#revision;
        this.#activeUntil = sentAt + this.#timing.ttlMs - this.#timing.renewMs;
      } catch (error) {
        // Refused: another replica took it. Anything else (a timeout, a lost connection): keep
        // trying until the time runs out (the `active` getter ends it then).
        if (apiErrorCode(error) === JS_WRONG_LAST_SEQUENCE) {
          // Our previous renewal may have been stored with its answer lost (a timeout): if the
          // key still names us, nobody took over (a takeover writes its own name); go on from it.
          const entry = await kv.get(LEASE_KEY).catch(() => null);
          if (entry?.operation === "PUT" && holderOf(entry) === this.#options.holder) {
            this.#revision = this.#written = entry.revision;
            return;
          }
          this.#written = 0;
          this.#deactivate();
        }
      }
      return;
    }
    if (this.#closed) return;
    try {
      const entry = await kv.get(LEASE_KEY);
      let won: number | undefined;
      // When our write was sent (not when the read began, which may have hung).
      const sentAt = performance.now();
      if (!entry || entry.operation !== "PUT") {
        won = await kv.create(LEASE_KEY, value).catch(() => undefined);
      } else if (entry.revision === this.#written || holderOf(entry) === this.#options.holder) {
        // Still a revision we wrote as the holder (our renewals failed, e.g. through a leader
        // election, one maybe stored with its answer lost): nobody took over since (a takeover
        // writes its own name), so take it back at once by a CAS on it.
        won = await kv.update(LEASE_KEY, value, entry.revision).catch(() => undefined);
      } else if (entry.revision !== this.#revision) {
        this.#revision = entry.revision;
        this.#seenAt = startedAt;
      } else if (performance.now() - startedAt > this.#timing.renewMs) {
        // A read that hung (answered late after a stall) is no proof of working KV either.
        this.#seenAt = performance.now();
      } else if (startedAt - this.#seenAt >= this.#timing.ttlMs) {
        won = await kv.update(LEASE_KEY, value, entry.revision).catch(() => undefined);
      }
      if (won !== undefined && !this.#closed) {
        this.#revision = won;
        this.#written = won;
        this.#activeUntil = sentAt + this.#timing.ttlMs - this.#timing.renewMs;
        this.#activate();
      }
    } catch (error) {
      // A revision's age counts only over reads that worked: KV down for everyone (a leader
      // election) must not look like a holder that stopped renewing.
      this.#seenAt = performance.now();
      this.#options.onError?.("lease: reading the lease failed", error);
    }
  }

  #activate() {
    this.#activeSignal = new AbortController();
    const signal = this.#activeSignal.signal;
    for (const fn of this.#callbacks) this.#call(fn, signal);
  }

  #deactivate() {
    const controller = this.#activeSignal;
    this.#activeSignal = undefined;
    this.#activeUntil = 0;
    controller?.abort();
  }

  #call(fn: (signal: AbortSignal) => void | Promise<void>, signal: AbortSignal) {
    try {
      Promise.resolve(fn(signal)).catch((error) =>
        this.#options.onError?.("lease: an onActive callback failed", error)
      );
    } catch (error) {
      this.#options.onError?.("lease: an onActive callback failed", error);
    }
  }
}

function holderOf(entry: { json<T>(): T }): string | undefined {
  try {
    return entry.json<{ holder?: string }>().holder;
  } catch {
    return undefined;
  }
}

/** The JetStream API error code of a failed publish, if it was one (`JetStreamApiError`). */
export function apiErrorCode(error: unknown): number | undefined {
  const api = (error as { apiError?: () => { err_code?: number } })?.apiError;
  return typeof api === "function" ? api.call(error)?.err_code : undefined;
}

/** A lease for a plugin that never asked for one, as the runner hands it out lazily. */
export function lazyLease(make: () => KvLease): Lease & { close(): Promise<void> } {
  let lease: KvLease | undefined;
  const get = () => (lease ??= make());
  return Object.freeze({
    get active() {
      const l = get();
      l.start();
      return l.active;
    },
    onActive: (fn: (signal: AbortSignal) => void | Promise<void>) => get().onActive(fn),
    close: async () => await lease?.close(),
  });
}
