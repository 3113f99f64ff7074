/**
 * Leader leases in the JetStream KV bucket `rosey_leases`: one holder per key (a platform
 * channel, `<platform>.<channel>`), taken and kept with KV revision compare-and-set, so two processes never
 * both hold it. The holder renews every `renewMs`; a standby polls the key and takes it over
 * (CAS on the revision it saw) once that revision has not changed for `expireMs`. The holder
 * also carries a small JSON `data` value in the entry (the connector's cursor), so whoever
 * takes over continues from it.
 *
 * Standbys poll with direct gets instead of a KV watch: a watch is an ordered consumer, and
 * consumer-create rights would let the holder's identity point a push consumer's deliver
 * subject anywhere (the same reason plugins get none, sandbox/credentials/plugin_permissions.ts).
 *
 * Self-fencing: a holder that could not renew (partition, a JetStream leader election, a
 * SIGSTOP) stops acting once `expireMs - renewMs` have passed since the send of its last
 * successful renewal: it is *suspended* ({@linkcode KvLease.valid} false, `onSuspended`),
 * before any standby can have taken over. It keeps the lease and its place (the connector stays
 * in the channel and holds what happens there instead of publishing it) and keeps renewing:
 * - a renewal whose CAS on its own last revision succeeds resumes it (`onResumed`): nobody
 *   wrote the key since, so nobody took it over, and any standby's takeover CAS (on that same
 *   revision) now fails;
 * - a renewal refused for the revision (someone took it over), or no successful renewal for
 *   `suspendMaxMs` (default 30 s), loses it (`onLost`).
 * While suspended the lease writes back the data of its last successful write, not newer data:
 * what was held is not published yet, so a successor must not continue past it (after the
 * resume the newer data follows with the next renewal).
 *
 * A standby counts a revision's age only over reads that succeed: every failed read (and every
 * read slower than `renewMs`) restarts its clock, so it takes over only after seeing the same revision for `expireMs` of working KV.
 *
 * Why two never act at once, and why an election moves nothing:
 * - KV unavailable to everyone (a leader election of the bucket's stream, a few seconds): the
 *   holder suspends (no action, events held), the standbys' clocks restart with each failed
 *   read. When KV answers again the holder's next renewal (within `renewMs`) CASes its own
 *   revision and resumes, while a standby needs `expireMs` (> `renewMs`) of successful reads
 *   first; it then sees a new revision and stands by. The channel does not move, nothing is lost.
 * - The holder cut off alone (standbys read fine): its last successful renewal was sent at t0;
 *   a standby first saw that revision at s >= t0 and takes over no earlier than s + expireMs
 *   >= t0 + expireMs, a CAS on that revision. The holder stopped acting at t0 + expireMs -
 *   renewMs (a timer, and `valid()` reads the clock itself), so the two never overlap; it can
 *   resume only by a CAS on that same revision, which the takeover made impossible, so once
 *   it reaches KV again its renewal fails and it is lost (it leaves and discards what it held;
 *   the successor continues from the data in the lease, which the suspended holder did not
 *   advance). Only durations on each process's own clock are compared, never two clocks.
 * The cost: a holder cut off alone stays in its channel, silent, until KV answers it or for
 * `suspendMaxMs`, while its successor already serves (chat platforms usually kick the older
 * session of an account that logs in again).
 *
 * @module
 */

import { errorText } from "./errors.ts";
import { type Logger, silentLogger } from "../log/mod.ts";
import { STREAMS } from "../subjects/mod.ts";
import { clusterReplicas, JETSTREAM_API } from "./core_streams.ts";
import type { EventBus } from "./event_bus.ts";
import { ensureCoreBucket } from "./kv_buckets.ts";

/** The bucket holding every lease. */
export const LEASE_BUCKET = "rosey_leases";

/** JetStream API error codes of a failed compare-and-set (jserrors.js). */
const WRONG_LAST_SEQUENCE = new Set([10071, 10164]);

/**
 * NATS rights a lease holder needs on the keys `<prefix>.>` of `rosey_leases` (put/CAS/delete,
 * direct get of those keys, the stream's info that `Kvm.open` asks): no other key, no consumer
 * and no stream-management rights. Direct gets by subject carry the key in the subject
 * (`$JS.API.DIRECT.GET.<stream>.<subject>`, @nats-io/jetstream jsm_direct.js), so the grant
 * can name the prefix.
 */
export function leaseGrants(prefix: string): string[] {
  return [
    `$KV.${LEASE_BUCKET}.${prefix}.>`,
    `$JS.API.DIRECT.GET.${STREAMS.leases}.$KV.${LEASE_BUCKET}.${prefix}.>`,
    JETSTREAM_API.streamInfo(STREAMS.leases),
  ];
}

/** Stream rights of the streams identity for the lease bucket (create at boot). */
export function leaseBucketAdminGrants(): string[] {
  return [
    JETSTREAM_API.streamInfo(STREAMS.leases),
    JETSTREAM_API.streamCreate(STREAMS.leases),
  ];
}

/**
 * Creates the lease bucket (stream `KV_rosey_leases`, one value per key, R1 on one server, up
 * to R3 on a cluster) when it is missing. Call it with the stream admin's bus at boot, as
 * {@linkcode ensureCoreStreams}; its rights are in `streamAdminRole`.
 */
export async function ensureLeaseBucket(bus: EventBus): Promise<void> {
  await ensureCoreBucket(bus, LEASE_BUCKET, clusterReplicas(bus));
}

/** A key token made safe for KV and NATS subjects: anything but `[A-Za-z0-9_-]` becomes `_`. */
export function leaseKeyToken(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, "_").toLowerCase() || "_";
}

/** Where a lease stands for this process. */
export type LeaseState = "standby" | "active" | "closed";

export interface KvLeaseOptions<D> {
  /** The key, e.g. `<platform>.my_channel` (build tokens with {@linkcode leaseKeyToken}). */
  key: string;
  /** Who we are, shown to the others (host, pid): for logs and health only. */
  holder: string;
  /** Renewal period of the holder (ms). Default 1000. */
  renewMs?: number;
  /** A lease not renewed for this long is taken over (ms). Default 4000. */
  expireMs?: number;
  /** Called when we become the holder, with the data the previous holder left (or undefined). */
  onAcquired: (data: D | undefined) => void;
  /** Called when we stop being the holder (CAS lost, suspended too long, closing). */
  onLost: (reason: string) => void;
  /**
   * Called when renewals have failed for `expireMs - renewMs` (KV unreachable): stop acting,
   * hold what happens, keep your place. {@linkcode KvLease.valid} is false from then on.
   */
  onSuspended?: (reason: string) => void;
  /** Called when a renewal succeeded again after `onSuspended`: act again, publish what was held. */
  onResumed?: () => void;
  /** A suspended holder that could not renew for this long is lost (ms). Default 30 000. */
  suspendMaxMs?: number;
  logger?: Logger;
}

interface LeaseValue<D> {
  holder: string;
  data?: D;
  /** The holder let go (closed): take it at once, continuing from `data`. */
  released?: boolean;
}

interface KvHandle {
  get(key: string): Promise<{ revision: number; operation: string; json<T>(): T } | null>;
  create(key: string, value: string): Promise<number>;
  update(key: string, value: string, version: number): Promise<number>;
  delete(key: string, opts?: { previousSeq?: number }): Promise<void>;
}

/**
 * One lease key held by at most one process. Starts as a standby and takes the lease when it is
 * free or expired; {@linkcode KvLease.close} releases it (a CAS delete) so a standby takes over
 * at once.
 *
 * @example
 * ```ts ignore
 * const lease = await KvLease.start(bus, {
 *   key: "chat.my_channel",
 *   holder: `${Deno.hostname()}:${Deno.pid}`,
 *   onAcquired: (cursor) => join(cursor),
 *   onLost: (reason) => leave(reason),
 * });
 * lease.setData({ time: 123 }); // written with the next renewal
 * ```
 */
export class KvLease<D = unknown> implements AsyncDisposable {
  readonly key: string;
  readonly holder: string;
  readonly #kv: KvHandle;
  readonly #renewMs: number;
  readonly #expireMs: number;
  readonly #options: KvLeaseOptions<D>;
  readonly #log: Logger;
  readonly #abort = new AbortController();
  #state: LeaseState = "standby";
  #revision = 0;
  #lastOkSentAt = 0;
  #data: D | undefined;
  #dirty = false;
  #wake: (() => void) | undefined;
  #wakeOnData = true;
  #loop: Promise<void> = Promise.resolve();
  #otherHolder: string | undefined;
  #released = false;
  #fence: ReturnType<typeof setTimeout> | undefined;
  #giveUp: ReturnType<typeof setTimeout> | undefined;
  readonly #suspendMaxMs: number;
  #suspended = false;
  /** The data of our last successful write (what a successor would continue from). */
  #writtenData: D | undefined;

  readonly #busClosed: () => boolean;

  private constructor(kv: KvHandle, options: KvLeaseOptions<D>, busClosed: () => boolean) {
    this.#kv = kv;
    this.#busClosed = busClosed;
    this.key = options.key;
    this.holder = options.holder;
    this.#renewMs = options.renewMs ?? 1000;
    this.#expireMs = Math.max(options.expireMs ?? 4000, this.#renewMs * 2);
    this.#suspendMaxMs = Math.max(options.suspendMaxMs ?? 30_000, this.#expireMs);
    this.#options = options;
    this.#log = (options.logger ?? silentLogger).child({ lease: options.key });
  }

  /** Opens the bucket (made at boot by the stream admin) and starts competing for the key. */
  static async start<D>(bus: EventBus, options: KvLeaseOptions<D>): Promise<KvLease<D>> {
    const [{ jetstream }, { Kvm }] = await Promise.all([
      import("@nats-io/jetstream"),
      import("@nats-io/kv"),
    ]);
    // A renewal must not hang past the fence: once KV answers again the holder has to renew
    // within `renewMs`, before a standby's `expireMs` of successful reads run out.
    const timeout = Math.max(500, Math.min(2000, (options.expireMs ?? 4000) / 2));
    const kv = await new Kvm(jetstream(bus.connection, { timeout }))
      .open(LEASE_BUCKET, { allow_direct: true })
      .catch((error) => {
        throw new Error(
          `the lease bucket ${LEASE_BUCKET} cannot be opened (${errorText(error)}); it is ` +
            `created at boot by the streams identity (deno task start creates it)`,
          { cause: error },
        );
      });
    const lease = new KvLease<D>(
      kv as unknown as KvHandle,
      options,
      () => bus.connection.isClosed(),
    );
    lease.#loop = lease.#run();
    return lease;
  }

  get state(): LeaseState {
    return this.#state;
  }

  /** The holder we last saw while standing by (for health). */
  get otherHolder(): string | undefined {
    return this.#otherHolder;
  }

  /**
   * True while we hold the lease and our last renewal is recent enough that no standby can
   * have taken it over: check it before acting for the channel.
   */
  valid(): boolean {
    this.#checkFence();
    return this.#state === "active" && !this.#suspended;
  }

  /**
   * True while we hold the lease but cannot renew it (KV unreachable): act for nobody, hold
   * what happens, keep the place. Ends with `onResumed` or `onLost`.
   */
  get suspended(): boolean {
    this.#checkFence();
    return this.#state === "active" && this.#suspended;
  }

  /** Sets the data carried in the lease; written (CAS) with the next renewal, soon. */
  setData(data: D): void {
    this.#data = data;
    if (this.#state !== "active") return;
    this.#dirty = true;
    if (this.#wakeOnData) this.#wake?.();
  }

  /**
   * Stops competing; a holder releases the key (marked released, its data kept) so a standby
   * takes it over at once and continues from the data.
   */
  async close(): Promise<void> {
    if (this.#abort.signal.aborted) return;
    this.#abort.abort();
    this.#wake?.();
    await this.#loop;
    clearTimeout(this.#fence);
    clearTimeout(this.#giveUp);
    if (this.#state === "active") {
      this.#state = "closed";
      try {
        this.#released = true;
        await this.#write();
      } catch (error) {
        this.#log.warn("lease not released; a standby takes over once it expires", {
          error: errorText(error),
        });
      }
      this.#options.onLost("closed");
    }
    this.#state = "closed";
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Sleeps `ms`; cut short by `close()`, and by new data unless `wakeOnData` is false. */
  #sleep(ms: number, wakeOnData = true): Promise<void> {
    this.#wakeOnData = wakeOnData;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    }).then(() => {
      this.#wake = undefined;
    });
  }

  #encode(data: D | undefined): string {
    const value: LeaseValue<D> = {
      holder: this.holder,
      ...(data !== undefined ? { data } : {}),
      ...(this.#released ? { released: true } : {}),
    };
    return JSON.stringify(value);
  }

  async #write(): Promise<number> {
    this.#dirty = false;
    const sentAt = Date.now();
    // Suspended: what was held is not published yet, so the data must not move past it.
    const data = this.#suspended ? this.#writtenData : this.#data;
    const revision = await this.#kv.update(this.key, this.#encode(data), this.#revision);
    this.#revision = revision;
    this.#writtenData = data;
    if (this.#state === "active") this.#renewed(sentAt);
    return revision;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    let seenRevision = -1;
    let seenAt = Date.now();
    while (!signal.aborted) {
      if (this.#state === "active") {
        try {
          await this.#write();
        } catch (error) {
          if (signal.aborted) break;
          const casLost = WRONG_LAST_SEQUENCE.has((error as { code?: number }).code ?? 0);
          const own = casLost ? await this.#adoptOwnWrite() : false;
          if (own === true) continue;
          if (own === "unknown") {
            await this.#sleep(this.#renewMs, false);
            continue;
          }
          if (casLost || this.#busClosed()) {
            // A closed connection never renews again (a reconnecting one may).
            this.#lose(
              casLost ? "another process took the lease over" : "the NATS connection is closed",
            );
            seenRevision = -1;
            seenAt = Date.now();
            continue;
          }
          this.#checkFence(errorText(error));
          this.#log.warn("lease renewal failed; retrying", {
            error: errorText(error),
            suspended: this.#suspended,
          });
          // Not at once, even with new data waiting: KV that refuses at once (no stream
          // leader) would otherwise be asked in a tight loop.
          await this.#sleep(this.#renewMs, false);
          continue;
        }
        if (!this.#dirty) await this.#sleep(this.#renewMs);
        continue;
      }
      // Standby: take a free key; take a key whose revision has not moved for expireMs.
      try {
        const readAt = Date.now();
        const entry = await this.#kv.get(this.key);
        const now = Date.now();
        // A read that hung (answered late after a stall) is no proof of working KV either.
        if (now - readAt > this.#renewMs) seenAt = now;
        if (entry === null || entry.operation !== "PUT") {
          const sentAt = Date.now();
          this.#revision = await this.#kv.create(this.key, this.#encode(this.#data));
          this.#writtenData = this.#data;
          this.#acquire(sentAt, undefined);
          continue;
        }
        const value = entry.json<LeaseValue<D>>();
        this.#otherHolder = value.holder;
        if (entry.revision !== seenRevision && value.released !== true) {
          seenRevision = entry.revision;
          seenAt = now;
        } else if (value.released === true || now - seenAt >= this.#expireMs) {
          const sentAt = Date.now();
          const previous = value.data;
          this.#data = previous;
          this.#revision = await this.#kv.update(this.key, this.#encode(previous), entry.revision);
          this.#writtenData = previous;
          this.#log.info(
            value.released ? "took over a released lease" : "took over an expired lease",
            {
              from: value.holder,
            },
          );
          this.#acquire(sentAt, previous);
          continue;
        }
      } catch (error) {
        if (signal.aborted) break;
        // Lost a race (someone else created or renewed): keep standing by.
        if (!WRONG_LAST_SEQUENCE.has((error as { code?: number }).code ?? 0)) {
          // The revision's age counts only over reads that worked: KV down for everyone (a
          // leader election) must not look like a holder that stopped renewing.
          seenAt = Date.now();
          this.#log.warn("lease check failed", { error: errorText(error) });
        }
      }
      await this.#sleep(Math.max(100, Math.floor(this.#renewMs / 2)));
    }
  }

  /**
   * A renewal sent at `sentAt` succeeded. Arms the fence: if no later one succeeds before a
   * standby could take over, we are suspended then and there, not when a hung renewal finally
   * fails (a holder cut off from NATS must stop before it reconnects and publishes what it
   * held); and lost if none succeeds for `suspendMaxMs`. A suspended holder resumes here.
   */
  #renewed(sentAt: number): void {
    this.#lastOkSentAt = sentAt;
    clearTimeout(this.#fence);
    clearTimeout(this.#giveUp);
    const fenceInMs = sentAt + this.#expireMs - this.#renewMs - Date.now();
    this.#fence = setTimeout(() => this.#checkFence(), Math.max(0, fenceInMs));
    this.#giveUp = setTimeout(() => {
      if (this.#state === "active" && Date.now() - this.#lastOkSentAt >= this.#suspendMaxMs) {
        this.#lose(`lease not renewed for ${this.#suspendMaxMs} ms`);
      }
    }, Math.max(0, sentAt + this.#suspendMaxMs - Date.now()));
    if (this.#suspended && this.#state === "active") {
      this.#suspended = false;
      // The data held back while suspended goes out with the next renewal, after what was held.
      this.#dirty = true;
      this.#log.info("lease renewed again; resuming");
      try {
        this.#options.onResumed?.();
      } catch (error) {
        this.#log.error("lease onResumed failed", { error: errorText(error) });
      }
    }
  }

  /**
   * A renewal refused for its revision may have been stored after all with its answer lost (a
   * leader election, a timeout): if the key still names us (no takeover writes our name), that
   * write was ours, so we continue from its revision instead of giving the lease away.
   */
  async #adoptOwnWrite(): Promise<boolean | "unknown"> {
    try {
      const entry = await this.#kv.get(this.key);
      if (entry === null || entry.operation !== "PUT") return false;
      const value = entry.json<LeaseValue<D>>();
      if (value.holder !== this.holder || value.released === true) return false;
      this.#revision = entry.revision;
      return true;
    } catch {
      // Cannot tell: try again with the next renewal (the fence and `suspendMaxMs` still apply).
      return "unknown";
    }
  }

  /** Suspends an active holder whose last successful renewal is too old (by the clock). */
  #checkFence(reason = "lease not renewed in time"): void {
    if (this.#state !== "active" || this.#suspended) return;
    if (Date.now() - this.#lastOkSentAt < this.#expireMs - this.#renewMs) return;
    this.#suspended = true;
    this.#log.warn("lease suspended: renewals failing; holding the place", { reason });
    try {
      this.#options.onSuspended?.(reason);
    } catch (error) {
      this.#log.error("lease onSuspended failed", { error: errorText(error) });
    }
  }

  #acquire(sentAt: number, data: D | undefined): void {
    this.#state = "active";
    this.#suspended = false;
    this.#renewed(sentAt);
    this.#otherHolder = undefined;
    this.#log.info("lease acquired", { holder: this.holder });
    try {
      this.#options.onAcquired(data);
    } catch (error) {
      this.#log.error("lease onAcquired failed", { error: errorText(error) });
    }
  }

  #lose(reason: string): void {
    if (this.#state !== "active") return;
    clearTimeout(this.#fence);
    clearTimeout(this.#giveUp);
    this.#state = "standby";
    this.#suspended = false;
    this.#dirty = false;
    this.#log.warn("lease lost; standing by", { reason });
    try {
      this.#options.onLost(reason);
    } catch (error) {
      this.#log.error("lease onLost failed", { error: errorText(error) });
    }
  }
}
