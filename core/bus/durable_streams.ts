/**
 * The no-loss path: JetStream streams, publishes retried until the server acknowledges them,
 * and durable consumers that resume where they stopped after any restart.
 *
 * Why retries: a JetStream publish is a request; during an outage it times out or fails, and
 * nats.js does not buffer it. Retrying with the same message id is safe because the stream's
 * duplicate window drops the copies that did land (`duplicate: true` in the ack).
 */
import type { ConsumerConfig, JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import { headers as natsHeaderSet, type NatsConnection } from "@nats-io/transport-node";
import { encodeJson, parseJson, validate, type Validator } from "../events/json.ts";
import { newEventId } from "../events/envelope.ts";
import type { Logger } from "../log/mod.ts";
import type { BusCounters } from "./counters.ts";
import { BusClosedError } from "./errors.ts";
import { keepAttached, sleep } from "./_reattach.ts";
import { readStream, type StreamReaderSpec } from "./stream_reader.ts";

export interface StreamSpec {
  name: string;
  subjects: string[];
  storage?: "file" | "memory";
  /** Keep messages this long (ms); default forever. */
  maxAgeMs?: number;
  maxMessages?: number;
  maxBytes?: number;
  /** Duplicate window for message ids (ms); default 2 minutes. */
  duplicateWindowMs?: number;
  /** `workqueue`: a message is removed once acknowledged. Default `limits`. */
  retention?: "limits" | "workqueue";
  /** Copies kept on different servers of a cluster (1, 3 or 5); default 1. */
  replicas?: number;
}

export interface PublishAck {
  stream: string;
  seq: number;
  duplicate: boolean;
}

export interface DurablePublishOptions {
  /** Dedupe id; retries reuse it. Default: a fresh id. */
  messageId?: string;
  /** Give up when this aborts (else: retry until the bus closes). */
  signal?: AbortSignal;
  /** Time to wait for one ack before retrying. Default 2000 ms. */
  attemptTimeoutMs?: number;
  /** NATS headers to send with the message (e.g. where a request's outcome goes). */
  headers?: Readonly<Record<string, string>>;
}

export interface DurableConsumerSpec<T> {
  stream: string;
  /** Durable name: the server remembers the position under it across restarts. */
  durable: string;
  filterSubject?: string;
  schema?: Validator<T>;
  /** Where a new durable starts. Default `all`. */
  deliver?: "all" | "new" | "last";
  /** Redelivery after this long without an ack. Default 30 s. */
  ackWaitMs?: number;
  /** After this many deliveries a message that keeps failing is dropped. Default 5. */
  maxDeliver?: number;
  /**
   * Unacked messages the server hands out at once, over every client of the consumer (the
   * server's default, 1000, when unset). Set only at creation.
   */
  maxAckPending?: number;
  /**
   * While a handler runs longer than this, tell the server it is still in progress (so the
   * message is not redelivered under `ackWaitMs`); a process that dies stops telling, and the
   * message goes to another client after `ackWaitMs`. Default: half of `ackWaitMs`.
   */
  progressEveryMs?: number;
  /**
   * How many handlers may be unfinished at once. Default 1: each message waits for the one
   * before. Above 1, handlers still start in stream order, but the next one starts while the
   * previous is, say, waiting for a batched save: a service that group-commits its state acks a
   * whole batch per disk write instead of writing once per message.
   */
  maxInFlight?: number;
}

export interface DurableDelivery {
  subject: string;
  /** Stream sequence: stable across redeliveries. */
  seq: number;
  redelivered: boolean;
  /** How many times the server has handed this message out, this time included (1 = first). */
  deliveryCount?: number;
  /**
   * When the stream stored the message, ms since the epoch in the NATS server's clock (the
   * stream message timestamp); absent where the reader does not know it.
   */
  storedAt?: number;
  /** The message's NATS headers (first value of each), if it had any. */
  headers?: Readonly<Record<string, string>>;
}

export interface DurableConsumer {
  /**
   * Resolves once the consumer exists on the server and is being read (the first attach):
   * from then on nothing published is missed, also with `deliver: "new"`.
   */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

const NANOS_PER_MS = 1_000_000;

type JetStreamModule = typeof import("@nats-io/jetstream");
let jetStreamModule: Promise<JetStreamModule> | undefined;

/**
 * `@nats-io/jetstream` is loaded the first time a bus uses JetStream: every process loads this
 * file with the bus, and sandboxed plugins never use JetStream (it is their memory and start).
 */
function loadJetStream(): Promise<JetStreamModule> {
  return jetStreamModule ??= import("@nats-io/jetstream");
}

export class DurableStreams {
  readonly #nc: NatsConnection;
  readonly #log: Logger;
  readonly #counters: BusCounters;
  readonly #stopper = new AbortController();
  #jsm: Promise<JetStreamManager> | undefined;
  #js: Promise<JetStreamClient> | undefined;

  constructor(nc: NatsConnection, log: Logger, counters: BusCounters) {
    this.#nc = nc;
    this.#log = log;
    this.#counters = counters;
  }

  #manager(): Promise<JetStreamManager> {
    this.#jsm ??= loadJetStream().then((js) => js.jetstreamManager(this.#nc)).catch((error) => {
      this.#jsm = undefined;
      throw error;
    });
    return this.#jsm;
  }

  #client(): Promise<JetStreamClient> {
    this.#js ??= loadJetStream().then((js) => js.jetstream(this.#nc));
    return this.#js;
  }

  /** Creates the stream, or updates its subjects and limits when it exists. */
  async ensureStream(spec: StreamSpec): Promise<void> {
    const jsm = await this.#manager();
    const { RetentionPolicy, StorageType } = await loadJetStream();
    const config = {
      name: spec.name,
      subjects: spec.subjects,
      storage: spec.storage === "memory" ? StorageType.Memory : StorageType.File,
      retention: spec.retention === "workqueue"
        ? RetentionPolicy.Workqueue
        : RetentionPolicy.Limits,
      max_age: (spec.maxAgeMs ?? 0) * NANOS_PER_MS,
      max_msgs: spec.maxMessages ?? -1,
      max_bytes: spec.maxBytes ?? -1,
      duplicate_window: (spec.duplicateWindowMs ?? 120_000) * NANOS_PER_MS,
      num_replicas: spec.replicas ?? 1,
    };
    try {
      await jsm.streams.info(spec.name);
      await jsm.streams.update(spec.name, config);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await jsm.streams.add(config);
    }
  }

  /** Deletes the stream if it exists (no error when it does not). */
  async deleteStream(name: string): Promise<void> {
    const jsm = await this.#manager();
    try {
      await jsm.streams.info(name);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    await jsm.streams.delete(name);
  }

  /**
   * Publishes to a stream and resolves once the server has stored it, retrying through
   * outages. Rejects only when `signal` aborts or the bus closes.
   */
  async publish(
    subject: string,
    value: unknown,
    options: DurablePublishOptions = {},
  ): Promise<PublishAck> {
    const data = encodeJson(value);
    const msgID = options.messageId ?? newEventId();
    let attempt = 0;
    for (;;) {
      if (this.#nc.isClosed()) throw new BusClosedError();
      options.signal?.throwIfAborted();
      try {
        const ack = await (await this.#client()).publish(subject, data, {
          msgID,
          timeout: options.attemptTimeoutMs ?? 2000,
          ...(options.headers ? { headers: natsHeaders(options.headers) } : {}),
        });
        this.#counters.durablePublished++;
        return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
      } catch (error) {
        if (this.#nc.isClosed()) throw new BusClosedError(undefined, { cause: error });
        attempt++;
        this.#counters.durableRetries++;
        if (attempt === 1 || attempt % 20 === 0) {
          this.#log.warn("durable publish not acknowledged yet; retrying", {
            subject,
            attempt,
            error: (error as Error).message,
          });
        }
        await sleep(Math.min(100 * 2 ** Math.min(attempt, 4), 1000), options.signal);
      }
    }
  }

  /**
   * Consumes a durable consumer: the handler's success acks the message, a throw asks for
   * redelivery later, a message that fails validation is terminated (counted, never retried).
   * Survives server restarts: the loop re-attaches to the consumer when its iterator ends.
   */
  consume<T = unknown>(
    spec: DurableConsumerSpec<T>,
    handler: (value: T, delivery: DurableDelivery) => void | Promise<void>,
  ): DurableConsumer {
    const stop = new AbortController();
    const onGlobalStop = () => stop.abort();
    this.#stopper.signal.addEventListener("abort", onGlobalStop);
    let current: { close(): Promise<void | Error> } | undefined;
    const ready = Promise.withResolvers<void>();
    const loop = keepAttached({
      signal: stop.signal,
      isClosed: () => this.#nc.isClosed(),
      serve: async (attached) => {
        await this.#ensureConsumer(spec);
        const consumer = await (await this.#client()).consumers.get(spec.stream, spec.durable);
        // Short pulls: when the consumer's leader dies, nats.js notices by two missed heartbeats
        // and then checks the consumer once per `expires` until that answers (consumer.js
        // resetPendingWithInfo). With the default 30 s a consumer whose new leader was elected
        // 5 s after a node's death stayed idle for 30 s more (a chaos run's node kill).
        const messages = await consumer.consume({
          max_messages: 256,
          expires: 2000,
          idle_heartbeat: 1000,
        });
        current = messages;
        attached();
        ready.resolve();
        if (stop.signal.aborted) {
          // stop() came while we were attaching and found nothing to close: close it here,
          // or its pull subscription would outlive the consumer. The close takes effect only
          // as the iterator runs; anything already pulled goes back at once.
          const closing = messages.close();
          for await (const msg of messages) msg.nak();
          await closing.catch(() => undefined);
          return;
        }
        const maxInFlight = Math.max(1, spec.maxInFlight ?? 1);
        const inFlight = new Set<Promise<void>>();
        try {
          for await (const msg of messages) {
            // #deliver calls the handler synchronously, so handlers start in stream order.
            const delivering = this.#deliver(spec, msg, handler);
            if (maxInFlight === 1) await delivering;
            else {
              inFlight.add(delivering);
              delivering.finally(() => inFlight.delete(delivering));
              if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
            }
            if (stop.signal.aborted) break;
          }
        } finally {
          await Promise.allSettled(inFlight);
        }
      },
      backoffMs: (failures) => Math.min(250 * 2 ** Math.min(failures, 3), 2000),
      warn: (error) =>
        this.#log.warn("durable consumer interrupted; re-attaching", {
          stream: spec.stream,
          durable: spec.durable,
          error: error.message,
        }),
    });
    return {
      ready: ready.promise,
      stop: async () => {
        stop.abort();
        this.#stopper.signal.removeEventListener("abort", onGlobalStop);
        await current?.close().catch(() => undefined);
        await loop;
      },
    };
  }

  /**
   * Reads a stream from a sequence the caller keeps (its own cursor), through a consumer without
   * acks: see {@linkcode readStream}. What the chat log and stats use; {@linkcode consume} is for
   * readers that leave their position to the server.
   */
  read<T = unknown>(
    spec: StreamReaderSpec<T>,
    handler: (value: T, delivery: DurableDelivery) => void | Promise<void>,
  ): DurableConsumer {
    return readStream(
      {
        nc: this.#nc,
        log: this.#log,
        counters: this.#counters,
        manager: () => this.#manager(),
        jetstream: loadJetStream,
        stopSignal: this.#stopper.signal,
      },
      spec,
      handler,
    );
  }

  async #ensureConsumer<T>(spec: DurableConsumerSpec<T>): Promise<void> {
    const jsm = await this.#manager();
    try {
      await jsm.consumers.info(spec.stream, spec.durable);
      return;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const { AckPolicy, DeliverPolicy } = await loadJetStream();
    const config: Partial<ConsumerConfig> = {
      durable_name: spec.durable,
      ack_policy: AckPolicy.Explicit,
      ack_wait: (spec.ackWaitMs ?? 30_000) * NANOS_PER_MS,
      max_deliver: spec.maxDeliver ?? 5,
      deliver_policy: spec.deliver === "new"
        ? DeliverPolicy.New
        : spec.deliver === "last"
        ? DeliverPolicy.Last
        : DeliverPolicy.All,
    };
    if (spec.filterSubject) config.filter_subject = spec.filterSubject;
    if (spec.maxAckPending !== undefined) config.max_ack_pending = spec.maxAckPending;
    await jsm.consumers.add(spec.stream, config);
  }

  async #deliver<T>(
    spec: DurableConsumerSpec<T>,
    msg: JsMsg,
    handler: (value: T, delivery: DurableDelivery) => void | Promise<void>,
  ): Promise<void> {
    let value: T;
    try {
      const parsed = parseJson(msg.data);
      value = spec.schema ? validate(spec.schema, parsed, msg.subject) : parsed as T;
    } catch (error) {
      this.#counters.invalid++;
      this.#log.warn("invalid durable message terminated", {
        subject: msg.subject,
        error: (error as Error).message,
      });
      msg.term("invalid");
      return;
    }
    const ackWaitMs = spec.ackWaitMs ?? 30_000;
    const progress = setInterval(
      () => msg.working(),
      Math.max(100, spec.progressEveryMs ?? ackWaitMs / 2),
    );
    try {
      await handler(value, {
        subject: msg.subject,
        seq: msg.seq,
        redelivered: msg.redelivered,
        deliveryCount: msg.info.deliveryCount,
        storedAt: Math.floor(msg.info.timestampNanos / 1_000_000),
        ...(msg.headers ? { headers: headersOf(msg.headers) } : {}),
      });
      msg.ack();
      this.#counters.durableDelivered++;
    } catch (error) {
      this.#counters.handlerErrors++;
      this.#log.error("durable handler failed; will redeliver", {
        subject: msg.subject,
        error: (error as Error).message,
      });
      msg.nak(1000);
    } finally {
      clearInterval(progress);
    }
  }

  /** Stops every consumer started here (the bus calls this on close). */
  stop(): void {
    this.#stopper.abort();
  }
}

function natsHeaders(values: Readonly<Record<string, string>>) {
  const h = natsHeaderSet();
  for (const [key, value] of Object.entries(values)) h.set(key, value);
  return h;
}

function headersOf(h: { keys(): string[]; get(key: string): string }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of h.keys()) out[key] = h.get(key);
  return out;
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && /not found/i.test(error.message);
}
