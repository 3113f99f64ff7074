/**
 * The no-loss path for normalized events: every envelope goes to JetStream
 * (`bus.durable.publish`, retried until acknowledged) so that log and stats services can
 * consume `ROSEY_EVENTS` durably. Core publishes are silently dropped by nats.js while it is
 * disconnected; these are not.
 *
 * The hot path never waits for an ack: envelopes are queued and up to `window` publishes are
 * in flight at once, submitted in arrival order (so the stream stores them in order while
 * connected). While the bus is disconnected no new publish starts, so at most `window`
 * envelopes (those in flight when the link dropped) can land out of order; each carries its
 * own `time`. The queue is bounded: past `maxBacklog` new envelopes are refused and counted.
 *
 * @module
 */

import { createEnvelope, type Source } from "../events/envelope.ts";
import type { EventType } from "../subjects/mod.ts";
import { type Logger, silentLogger } from "../log/mod.ts";
import { STREAMS, subjects } from "../subjects/mod.ts";
import { JETSTREAM_API } from "./core_streams.ts";
import type { EventBus } from "./event_bus.ts";

/** How envelopes leave: JetStream (acknowledged) or plain core publishes (no stream). */
export type OutboxMode = "durable" | "core";

export interface EventOutboxOptions {
  mode: OutboxMode;
  /** Publishes in flight at once. Default 32. */
  window?: number;
  /** Envelopes held (queued and in flight) before new ones are refused. Default 10 000. */
  maxBacklog?: number;
  logger?: Logger;
}

/** Counters of the outbox. */
export interface OutboxStats {
  submitted: number;
  published: number;
  /** Refused because the backlog was full. */
  overflowed: number;
  /** Given up (the bus closed before the ack). */
  failed: number;
  /** Queued and in flight now. */
  backlog: number;
}

interface Pending {
  subject: string;
  envelope: unknown;
  id: string;
}

/** Ordered, bounded, non-blocking publisher of normalized events. */
export class EventOutbox {
  readonly #bus: EventBus;
  readonly #log: Logger;
  readonly #window: number;
  readonly #maxBacklog: number;
  readonly #queue: Pending[] = [];
  readonly #abort = new AbortController();
  readonly #stopStatus: () => void;
  readonly #stats: OutboxStats = {
    submitted: 0,
    published: 0,
    overflowed: 0,
    failed: 0,
    backlog: 0,
  };
  #mode: OutboxMode;
  #inflight = 0;
  #paused = false;
  /** Held by the publisher (`hold`): queue, publish nothing, until `release`. */
  #held = false;
  #overflowing = false;
  #idle: (() => void)[] = [];

  constructor(bus: EventBus, options: EventOutboxOptions) {
    this.#bus = bus;
    this.#mode = options.mode;
    this.#log = options.logger ?? silentLogger;
    this.#window = Math.max(1, options.window ?? 32);
    this.#maxBacklog = Math.max(1, options.maxBacklog ?? 10_000);
    this.#paused = bus.status !== "connected";
    this.#stopStatus = bus.onStatus((event) => {
      if (event.type === "disconnected") this.#paused = true;
      if (event.type === "reconnected") {
        this.#paused = false;
        this.#pump();
      }
    });
  }

  get mode(): OutboxMode {
    return this.#mode;
  }

  get stats(): Readonly<OutboxStats> {
    return { ...this.#stats, backlog: this.#queue.length + this.#inflight };
  }

  /**
   * Wraps `payload` in an envelope from `source` and queues it; false when refused. `id`: the
   * event's id when the platform gives the event one of its own (a replayed line must keep
   * it, so that the stream's duplicate window drops the second copy); default a fresh one.
   */
  publish(type: EventType, source: Source, payload: unknown, time?: number, id?: string): boolean {
    const envelope = createEnvelope(type, source, payload, {
      ...(time !== undefined ? { time } : {}),
      ...(id !== undefined ? { id } : {}),
    });
    return this.submit({ subject: subjects.event(type), envelope, id: envelope.id });
  }

  /** Queues one envelope; false when the backlog is full (the envelope is counted, not kept). */
  submit(pending: Pending): boolean {
    if (this.#abort.signal.aborted) return false;
    this.#stats.submitted++;
    if (this.#mode === "core" && !this.#held) {
      try {
        this.#bus.publish(pending.subject, pending.envelope);
        this.#stats.published++;
      } catch {
        this.#stats.failed++;
      }
      return true;
    }
    if (this.#queue.length + this.#inflight >= this.#maxBacklog) {
      this.#stats.overflowed++;
      if (!this.#overflowing) {
        this.#overflowing = true;
        this.#log.error("event backlog full; refusing new events until NATS catches up", {
          maxBacklog: this.#maxBacklog,
        });
      }
      return false;
    }
    this.#queue.push(pending);
    this.#pump();
    return true;
  }

  /**
   * Holds every envelope from now on (queued, bounded by `maxBacklog`, in order) until
   * {@linkcode EventOutbox.release} publishes them or {@linkcode EventOutbox.discardQueued}
   * drops them: for a publisher that may not publish for now but may again soon (a connector
   * whose lease is suspended while KV is unreachable). Publishes already in flight go on.
   */
  hold(): void {
    this.#held = true;
  }

  /** Ends {@linkcode EventOutbox.hold}: what was held is published, in order. */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    if (this.#mode === "core") {
      for (const pending of this.#queue.splice(0)) {
        try {
          this.#bus.publish(pending.subject, pending.envelope);
          this.#stats.published++;
        } catch {
          this.#stats.failed++;
        }
      }
      this.#wakeIdle();
      return;
    }
    this.#pump();
  }

  /** Whether envelopes are being held ({@linkcode EventOutbox.hold}). */
  get held(): boolean {
    return this.#held;
  }

  /** Resolves once nothing is queued or in flight, or after `timeoutMs`; true when empty. */
  async settled(timeoutMs = 5000): Promise<boolean> {
    if (this.#queue.length === 0 && this.#inflight === 0) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let wake: (() => void) | undefined;
    const empty = new Promise<boolean>((resolve) => {
      wake = () => resolve(true);
      this.#idle.push(wake);
    });
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([empty, late]);
    } finally {
      clearTimeout(timer);
      this.#idle = this.#idle.filter((w) => w !== wake);
    }
  }

  /**
   * Drops the envelopes not yet handed to NATS (counted as failed) and returns how many: for a
   * publisher that must not publish what it queued any more (a connector that lost its lease
   * while cut off from NATS; its successor handles those lines again from the platform).
   */
  discardQueued(): number {
    const dropped = this.#queue.length;
    this.#stats.failed += dropped;
    this.#queue.length = 0;
    if (this.#inflight === 0) this.#wakeIdle();
    return dropped;
  }

  /** Stops: in-flight publishes give up, queued ones are dropped (counted as failed). */
  close(): void {
    if (this.#abort.signal.aborted) return;
    this.#abort.abort();
    this.#stopStatus();
    this.#stats.failed += this.#queue.length;
    this.#queue.length = 0;
    this.#wakeIdle();
  }

  #pump(): void {
    while (
      !this.#paused && !this.#held && this.#inflight < this.#window && !this.#abort.signal.aborted
    ) {
      const next = this.#queue.shift();
      if (next === undefined) break;
      this.#inflight++;
      this.#bus.durable.publish(next.subject, next.envelope, {
        messageId: next.id,
        signal: this.#abort.signal,
      }).then(
        () => {
          this.#stats.published++;
        },
        (error) => {
          this.#stats.failed++;
          if (!this.#abort.signal.aborted) {
            this.#log.warn("event not persisted", { subject: next.subject, error: String(error) });
          }
        },
      ).finally(() => {
        this.#inflight--;
        if (this.#overflowing && this.#queue.length < this.#maxBacklog / 2) {
          this.#overflowing = false;
          this.#log.info("event backlog draining again", { overflowed: this.#stats.overflowed });
        }
        this.#pump();
        if (this.#queue.length === 0 && this.#inflight === 0) this.#wakeIdle();
      });
    }
  }

  #wakeIdle(): void {
    const idle = this.#idle;
    this.#idle = [];
    for (const wake of idle) wake();
  }
}

/**
 * Which mode to publish in: `durable` when `ROSEY_EVENTS` exists. Without it a JetStream publish is never acknowledged and
 * would be retried forever (and delivered again to core subscribers each time), so the
 * connector falls back to plain publishes and says so in its health.
 */
export async function eventsStreamMode(
  bus: EventBus,
  log: Logger,
): Promise<[OutboxMode, problem: string | undefined]> {
  const stream = STREAMS.events;
  try {
    const info = await bus.request<{ error?: { code?: number; description?: string } }>(
      JETSTREAM_API.streamInfo(stream),
      {},
      { timeoutMs: 3000 },
    );
    if (!info.error) return ["durable", undefined];
    const why = `stream ${stream} is missing (${info.error.description ?? info.error.code})`;
    log.error(`${why}; events are published without persistence: run ensureCoreStreams first`);
    return ["core", `${why}; events are not persisted`];
  } catch (error) {
    const why = `JetStream not reachable for ${stream} (${String(error)})`;
    log.error(`${why}; events are published without persistence`);
    return ["core", `${why}; events are not persisted`];
  }
}
