/**
 * An outbound queue that never trips CyTube's flood limiter. CyTube drops a throttled message
 * silently (the sender only gets `cooldown <ms>`), so a bot that sends as fast as it likes
 * loses replies: 26 messages sent at once deliver 20.
 *
 * The queue keeps a replica of the server's limiter ({@linkcode RateLimiterModel}) and sends
 * each message only when the replica says the server will accept it. It keeps order within a
 * lane, never drops a message except by its stated overflow policy, and re-sends a message that
 * the server dropped anyway (a `cooldown` frame) after backing off.
 *
 * Messages wait in lanes (one per plugin and user, {@linkcode PacingQueueOptions.laneOf}) that
 * are served in turn: with one connection and one flood limit for everyone, a plain FIFO would
 * let one plugin's 300-line burst hold every other user's answer for minutes.
 *
 * @module
 */

import type { Logger } from "../../core/log/mod.ts";
import {
  DEFAULT_PACING_MARGIN,
  type PacingMargin,
  type RateLimit,
  RateLimiterModel,
} from "./_rate_model.ts";

export { DEFAULT_PACING_MARGIN, type PacingMargin, type RateLimit };

/** Why the queue gave up on a message. */
export type PacingDropReason = "overflow" | "retries" | "closed";

/** Options for {@linkcode PacingQueue}. */
export interface PacingQueueOptions<T> {
  /** Emits one message; called only when the limiter replica allows it. Must not throw. */
  send: (item: T) => void;
  /** The server limit that applies to this message (it can change with rank and options). */
  limitFor: (item: T) => RateLimit;
  /** Throttle calls the server makes for this message (2 for `/me`); default 1. */
  costOf?: (item: T) => number;
  /**
   * Whether the server answers this message with something we can match (an echo), so that
   * a `cooldown` can be attributed to it. Unconfirmed messages are fire-and-forget.
   */
  expectsConfirmation?: (item: T) => boolean;
  /**
   * The lane a message waits in (e.g. the plugin and user it answers). Lanes are served round
   * robin: each send goes to the lane served longest ago (a new lane first), oldest message
   * first within it. Default: one lane, a plain FIFO.
   */
  laneOf?: (item: T) => string;
  /**
   * Most messages held; when full the oldest message of the longest lane is dropped and counted
   * (default 1000).
   */
  maxLength?: number;
  /** Re-sends of one message the server dropped before giving up (default 3). */
  maxRetries?: number;
  /** A sent message with no answer after this long counts as delivered (default 5000 ms). */
  confirmTimeoutMs?: number;
  /** Slack relative to the server's limits; see {@linkcode PacingMargin}. */
  margin?: Partial<PacingMargin>;
  /** Start paused (e.g. until logged in); default false. */
  startPaused?: boolean;
  /** Closes the queue when aborted. */
  signal?: AbortSignal;
  /** Told about every message the queue gives up on. */
  onDrop?: (item: T, reason: PacingDropReason) => void;
  logger?: Logger;
  /** Monotonic clock in ms; injectable for tests. */
  now?: () => number;
}

/** Counters, for status output and tests. */
export interface PacingStats {
  enqueued: number;
  sent: number;
  resent: number;
  confirmed: number;
  serverCooldowns: number;
  droppedOverflow: number;
  droppedRetries: number;
  droppedClosed: number;
}

interface Entry<T> {
  seq: number;
  lane: string;
  item: T;
  attempts: number;
  sentAt: number;
}

/**
 * A bounded FIFO that releases messages at the pace the server accepts.
 *
 * @example
 * ```ts
 * import { PacingQueue } from "./pacing_queue.ts";
 * const sent: string[] = [];
 * const queue = new PacingQueue<string>({
 *   send: (msg) => sent.push(msg),
 *   limitFor: () => ({ burst: 20, sustained: 10 }),
 * });
 * queue.enqueue("hello"); // sent at once: the burst is free
 * queue.close();
 * ```
 */
export class PacingQueue<T> {
  readonly #options: PacingQueueOptions<T>;
  readonly #model: RateLimiterModel;
  readonly #margin: PacingMargin;
  readonly #now: () => number;
  readonly #maxLength: number;
  #queue: Entry<T>[] = [];
  #inFlight: Entry<T>[] = [];
  #seq = 0;
  #paused: boolean;
  #closed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #blockedUntil = 0;
  #pumping = false;
  /** Lane -> the send count when it was last served; a lane not in the map goes first. */
  readonly #laneServed = new Map<string, number>();
  readonly #onAbort = () => this.close();
  readonly #stats: PacingStats = {
    enqueued: 0,
    sent: 0,
    resent: 0,
    confirmed: 0,
    serverCooldowns: 0,
    droppedOverflow: 0,
    droppedRetries: 0,
    droppedClosed: 0,
  };

  constructor(options: PacingQueueOptions<T>) {
    this.#options = options;
    this.#margin = { ...DEFAULT_PACING_MARGIN, ...options.margin };
    this.#model = new RateLimiterModel(this.#margin);
    this.#now = options.now ?? (() => performance.now());
    this.#maxLength = Math.max(1, options.maxLength ?? 1000);
    this.#paused = options.startPaused ?? false;
    if (options.signal?.aborted) this.close();
    options.signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** Messages waiting to be sent. */
  get length(): number {
    return this.#queue.length;
  }

  /** Messages sent and still awaiting their confirmation. */
  get inFlight(): number {
    return this.#inFlight.length;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** A snapshot of the counters. */
  get stats(): Readonly<PacingStats> {
    return { ...this.#stats };
  }

  /**
   * Adds a message at the end of its lane. Returns false if the queue is closed. When the queue
   * is full, the oldest waiting message of the longest lane is dropped (counted in
   * `droppedOverflow`, reported to `onDrop`): for a chat bot the newest reply is the one worth
   * keeping, and the lane that floods pays for it.
   */
  enqueue(item: T): boolean {
    if (this.#closed) return false;
    this.#stats.enqueued++;
    const lane = this.#options.laneOf?.(item) ?? "";
    this.#queue.push({ seq: this.#seq++, lane, item, attempts: 0, sentAt: 0 });
    while (this.#queue.length > this.#maxLength) {
      const dropped = this.#queue.splice(this.#oldestOfLongestLane(), 1)[0];
      if (dropped) this.#drop(dropped, "overflow");
    }
    this.#pump();
    return true;
  }

  /** Stops sending (e.g. while disconnected); messages keep queueing. */
  pause(): void {
    this.#paused = true;
    this.#clearTimer();
  }

  /** Resumes sending. */
  resume(): void {
    if (this.#closed) return;
    this.#paused = false;
    this.#pump();
  }

  /** Limits may have changed (new rank or channel options): re-plan the next send. */
  refresh(): void {
    this.#pump();
  }

  /** A new connection has a fresh limiter on the server side. */
  resetLimiter(): void {
    this.#model.reset();
    this.#blockedUntil = 0;
    this.#pump();
  }

  /**
   * The server answered a message we sent (e.g. echoed our chat). Marks the oldest in-flight
   * message that `match` accepts as delivered, and every older one too: the server handles a
   * socket's messages in order, so those were handled without an answer. Returns the match.
   */
  confirm(match: (item: T) => boolean): T | undefined {
    this.#expireInFlight();
    const index = this.#inFlight.findIndex((entry) => match(entry.item));
    if (index < 0) return undefined;
    const [entry] = this.#inFlight.splice(0, index + 1).slice(-1);
    this.#stats.confirmed++;
    return entry?.item;
  }

  /**
   * The server sent `cooldown`: it dropped one message. Backs off, assumes the burst is spent,
   * and re-queues the oldest unconfirmed message in its original position. Returns that message,
   * or undefined when none was awaiting confirmation.
   */
  serverCooldown(cooldownMs: number): T | undefined {
    if (this.#closed) return undefined;
    this.#stats.serverCooldowns++;
    const now = this.#now();
    this.#model.saturate(now);
    const wait = Math.max(Number.isFinite(cooldownMs) ? cooldownMs : 0, 100) * 1.5;
    this.#blockedUntil = Math.max(this.#blockedUntil, now + wait);
    this.#expireInFlight();
    const entry = this.#inFlight.shift();
    if (entry === undefined) {
      if (this.#options.expectsConfirmation !== undefined) {
        this.#options.logger?.warn("server dropped a message we could not identify", {
          cooldownMs,
        });
      }
    } else {
      this.#requeue(entry);
    }
    this.#pump();
    return entry?.item;
  }

  /**
   * The connection dropped: messages still awaiting confirmation may never have arrived, so
   * they go back to the front, in order (at-least-once: one may be seen twice). Returns how many.
   */
  requeueInFlight(): number {
    const entries = this.#inFlight;
    this.#inFlight = [];
    for (const entry of entries) this.#requeue(entry);
    this.#pump();
    return entries.length;
  }

  /** Drops everything and stops; no timer outlives this call. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimer();
    this.#options.signal?.removeEventListener("abort", this.#onAbort);
    // In-flight messages were sent already; only the waiting ones are lost.
    this.#inFlight = [];
    for (const entry of this.#queue.splice(0)) this.#drop(entry, "closed");
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #requeue(entry: Entry<T>): void {
    entry.attempts++;
    if (entry.attempts > (this.#options.maxRetries ?? 3)) {
      this.#drop(entry, "retries");
      return;
    }
    entry.sentAt = 0;
    const at = this.#queue.findIndex((other) => other.seq > entry.seq);
    if (at < 0) this.#queue.push(entry);
    else this.#queue.splice(at, 0, entry);
    while (this.#queue.length > this.#maxLength) {
      const dropped = this.#queue.pop();
      if (dropped) this.#drop(dropped, "overflow");
    }
  }

  #drop(entry: Entry<T>, reason: PacingDropReason): void {
    if (reason === "overflow") this.#stats.droppedOverflow++;
    else if (reason === "retries") this.#stats.droppedRetries++;
    else this.#stats.droppedClosed++;
    if (reason !== "closed") {
      this.#options.logger?.warn("outbound message dropped", { reason, attempts: entry.attempts });
    }
    try {
      this.#options.onDrop?.(entry.item, reason);
    } catch (error) {
      this.#options.logger?.error("onDrop callback threw", { error });
    }
  }

  #expireInFlight(): void {
    const limit = this.#now() - (this.#options.confirmTimeoutMs ?? 5000);
    while (this.#inFlight.length > 0 && (this.#inFlight[0]?.sentAt ?? 0) < limit) {
      this.#inFlight.shift();
    }
  }

  /** Index of the oldest entry of the lane holding the most entries. */
  #oldestOfLongestLane(): number {
    const counts = new Map<string, number>();
    for (const entry of this.#queue) counts.set(entry.lane, (counts.get(entry.lane) ?? 0) + 1);
    let longest = "";
    let most = -1;
    for (const [lane, count] of counts) {
      if (count > most) [longest, most] = [lane, count];
    }
    return Math.max(0, this.#queue.findIndex((entry) => entry.lane === longest));
  }

  /** Index of the next entry to send: the oldest of the lane served longest ago. */
  #nextIndex(): number {
    if (this.#options.laneOf === undefined) return 0;
    let best = -1;
    let bestServed = Infinity;
    const seen = new Set<string>();
    for (let i = 0; i < this.#queue.length; i++) {
      const lane = this.#queue[i]!.lane;
      if (seen.has(lane)) continue;
      seen.add(lane);
      const served = this.#laneServed.get(lane) ?? -1;
      if (served < bestServed) [best, bestServed] = [i, served];
    }
    return best;
  }

  #served(entry: Entry<T>): void {
    if (this.#options.laneOf === undefined) return;
    this.#laneServed.set(entry.lane, this.#stats.sent);
    // Lanes with nothing waiting are forgotten once they outnumber the queue, so the map stays
    // small; a forgotten lane that fills again counts as new (served first): it waited for
    // nobody for a long time.
    if (this.#laneServed.size > 2 * this.#queue.length + 32) {
      const waiting = new Set(this.#queue.map((other) => other.lane));
      for (const lane of this.#laneServed.keys()) {
        if (!waiting.has(lane)) this.#laneServed.delete(lane);
      }
    }
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  // Sends every message that may go now, lane by lane, then sleeps until the next may go.
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      this.#clearTimer();
      while (!this.#closed && !this.#paused) {
        const index = this.#nextIndex();
        const head = this.#queue[index];
        if (head === undefined) return;
        const now = this.#now();
        const limit = this.#options.limitFor(head.item);
        const cost = Math.max(1, this.#options.costOf?.(head.item) ?? 1);
        const wait = Math.max(this.#model.delay(limit, cost, now), this.#blockedUntil - now);
        if (wait > 0) {
          this.#timer = setTimeout(() => {
            this.#timer = undefined;
            this.#pump();
          }, Math.ceil(wait));
          return;
        }
        this.#queue.splice(index, 1);
        this.#served(head);
        this.#model.record(limit, cost, now);
        head.sentAt = now;
        if (this.#options.expectsConfirmation?.(head.item) ?? false) this.#inFlight.push(head);
        this.#stats.sent++;
        if (head.attempts > 0) this.#stats.resent++;
        try {
          this.#options.send(head.item);
        } catch (error) {
          this.#options.logger?.error("send callback threw; message lost", { error });
        }
      }
    } finally {
      this.#pumping = false;
    }
  }
}
