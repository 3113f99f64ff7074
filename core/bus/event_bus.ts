/**
 * EventBus: the one way Quicksilver code talks to NATS. A thin, typed layer over nats.js that
 * adds what every component needs and nats.js leaves to the caller:
 * - JSON + zod validation at the edge (invalid messages are counted and reported, never thrown
 *   into a handler loop);
 * - handlers that may throw without killing their subscription;
 * - reconnect forever and wait for the first connect (nats.js defaults give up after 10 tries);
 * - a per-identity inbox prefix, so scoped users can make requests (NOTES-SANDBOX §3);
 * - connection changes and permission violations as typed status events;
 * - counters for monitoring.
 *
 * Core NATS publishes made while disconnected are silently dropped by nats.js v3 (measured:
 * 190 of 190 lost during a 2 s outage). Anything that must not be lost goes through
 * {@linkcode EventBus.durable} (JetStream, retried until acknowledged).
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { encodeJson, parseJson, validate, type Validator } from "../events/json.ts";
import { EventDecodeError } from "../events/errors.ts";
import { compiledValidator } from "../events/codec.ts";
import { type Logger, silentLogger } from "../log/mod.ts";
import { inboxPrefix as inboxPrefixFor } from "../subjects/subjects.ts";
import type {
  BusConnection,
  BusTlsFiles,
  ConnectionEvent,
  RawMessage,
  RawSubscription,
} from "./connection.ts";
import { type BusCounters, emptyCounters } from "./counters.ts";
import type { DurableStreams } from "./durable_streams.ts";
import {
  BusClosedError,
  BusPermissionError,
  BusRequestError,
  errorText,
  REQUEST_FAILURES,
} from "./errors.ts";

export interface EventBusOptions {
  /** `host:port` or a list; use IP literals for sandboxed clients (NOTES-SANDBOX §1). */
  servers: string | string[];
  /** Client name shown in the server's connz and logs, and the default inbox identity. */
  name: string;
  /** A `.creds` text (user JWT + seed). Without it the connection is anonymous. */
  creds?: string;
  /**
   * Inbox prefix for request replies. Defaults to `_INBOX.<name>` so that a user granted
   * only `_INBOX.<name>.>` can make requests.
   */
  inboxPrefix?: string;
  logger?: Logger;
  /** Milliseconds between reconnect attempts (forever). Default 500. */
  reconnectWaitMs?: number;
  /** Wait for the server to come up on first connect instead of failing. Default true. */
  waitOnFirstConnect?: boolean;
  /** Give up the first connect after this many ms (only with waitOnFirstConnect). Default never. */
  connectTimeoutMs?: number;
  /**
   * Milliseconds between the client's PINGs; two unanswered ones mean the server is gone (a
   * frozen server keeps the socket open) and the client reconnects. Default 20 000.
   */
  pingIntervalMs?: number;
  /** TLS to the server (PEM file paths); without it the connection is plain TCP. */
  tls?: BusTlsFiles;
  /**
   * Dial only `servers`, in the order given: no servers learnt from the cluster's INFO
   * (`connect_urls`) and no shuffling. For a sandboxed client whose `--allow-net` names exactly
   * those addresses (a discovered one would be a denied dial), and whose operator listed its
   * nearest node first. Default false: nats.js shuffles the list and adds the discovered nodes.
   */
  onlyListedServers?: boolean;
}

/** Connection state changes and problems, as the bus reports them to listeners. */
export type BusStatusEvent =
  | { type: "disconnected"; server: string }
  | { type: "reconnecting" }
  | { type: "reconnected"; server: string }
  | { type: "closed"; error?: Error }
  | { type: "permission-violation"; operation: "publish" | "subscription"; subject: string }
  | { type: "slow-consumer"; subject: string; pending: number }
  | { type: "error"; error: Error };

export type BusStatus = "connected" | "disconnected" | "closed";

/** What a subscription handler receives besides the decoded value. */
export interface MessageContext {
  subject: string;
  /** The reply subject, when the sender made a request. */
  reply?: string;
  /** Raw bytes, for handlers that forward without re-encoding. */
  data: Uint8Array;
}

export interface SubscribeOptions<T> {
  /** Validates every message; invalid ones go to `onInvalid` and the counters. */
  schema?: Validator<T>;
  /** Queue group: each message goes to one member (load sharing). */
  queue?: string;
  /** Run handlers one at a time, in arrival order. Default: concurrently. */
  serial?: boolean;
  /** Called for each message that fails to decode or validate (after counting and logging). */
  onInvalid?: (error: EventDecodeError, context: MessageContext) => void;
  /** Stop after this many messages. */
  max?: number;
}

export type MessageHandler<T> = (value: T, context: MessageContext) => void | Promise<void>;

/** A live subscription. `closed` resolves when it ends (unsubscribe, drain or violation). */
export interface BusSubscription {
  readonly subject: string;
  readonly closed: Promise<void>;
  unsubscribe(): void;
  /** Stop receiving, finish handlers already running. */
  drain(): Promise<void>;
}

export interface RequestOptions<R> {
  timeoutMs?: number;
  /**
   * Ask for the reply under this prefix (`<prefix>.<random token>`) instead of this bus's inbox,
   * for a server that answers on a subject its role names rather than through NATS
   * `allow_responses` (the stats service: `subjects.statsAnswers(asker)`). Costs a subscription
   * per request.
   */
  replyPrefix?: string;
  /** Validates the reply; a bad reply is a `BusRequestError` with code `invalid-reply`. */
  schema?: Validator<R>;
}

export interface ServeOptions<Q> {
  schema?: Validator<Q>;
  queue?: string;
  /** The reply sent when the request fails validation; default `{ok:false,error:{code:"invalid_args"}}`. */
  invalidReply?: (error: EventDecodeError) => unknown;
  /** The reply sent when the handler throws; default `{ok:false,error:{code:"failed"}}`. */
  errorReply?: (error: unknown) => unknown;
  /**
   * The reply sent instead of one over the server's max_payload (which the client refuses to
   * send, leaving the requester to time out); default `{ok:false,error:{code:"failed"}}` with
   * a short message saying so. `error` is the client's refusal.
   */
  tooLargeReply?: (error: unknown) => unknown;
}

/** Whether a publish was refused for its size (lite: RangeError; nats.js: 'payload' max_payload). */
export function isPayloadTooLarge(error: unknown): boolean {
  return /max_payload/.test(errorText(error));
}

type StatusListener = (event: BusStatusEvent) => void;

export class EventBus {
  readonly name: string;
  /** Where this bus's request replies arrive (`_INBOX.<identity>`); its role grants `.>` under it. */
  readonly inboxPrefix: string;
  readonly counters: BusCounters = emptyCounters();
  readonly #conn: BusConnection;
  readonly #log: Logger;
  readonly #listeners = new Set<StatusListener>();
  #status: BusStatus = "connected";
  #durable: DurableStreams | undefined;
  readonly #closed: Promise<void>;

  private constructor(conn: BusConnection, name: string, log: Logger, inboxPrefix: string) {
    this.#conn = conn;
    this.name = name;
    this.inboxPrefix = inboxPrefix;
    this.#log = log;
    conn.onEvent((event) => this.#onConnectionEvent(event));
    this.#closed = conn.closed.then((error) => {
      this.#status = "closed";
      this.#emit(error ? { type: "closed", error } : { type: "closed" });
    });
  }

  /**
   * Connects (by default waiting for the server, reconnecting forever). Rejects with a
   * {@linkcode BusConnectError} when the server refuses the credentials, or when it stays
   * unreachable past `connectTimeoutMs` (or at once with `waitOnFirstConnect: false`).
   */
  static async connect(options: EventBusOptions): Promise<EventBus> {
    const log = (options.logger ?? silentLogger).child({ bus: options.name });
    const settings = {
      servers: options.servers,
      name: options.name,
      creds: options.creds,
      inboxPrefix: options.inboxPrefix ?? inboxPrefixFor(options.name),
      reconnectWaitMs: options.reconnectWaitMs ?? 500,
      waitOnFirstConnect: options.waitOnFirstConnect ?? true,
      connectTimeoutMs: options.connectTimeoutMs,
      pingIntervalMs: options.pingIntervalMs ?? 20_000,
      tls: options.tls,
      onlyListedServers: options.onlyListedServers,
      log,
    };
    // nats.js is imported when a bus first connects: a process that only loads the bus (a
    // plugin's describe run, `plugins check`) never loads it.
    const { connectNatsJs } = await import("./natsjs_connection.ts");
    const conn = await connectNatsJs(settings);
    log.debug("connected", { server: conn.server });
    return new EventBus(conn, options.name, log, settings.inboxPrefix);
  }

  /** The underlying nats.js connection (bench, tests, raw access). */
  get connection(): NatsConnection {
    return this.#conn.natsConnection;
  }

  get status(): BusStatus {
    return this.#status;
  }

  /** Listens to status events; returns a function that stops listening. */
  onStatus(listener: StatusListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Publishes a JSON value (core NATS: fire and forget, dropped while disconnected). */
  publish(subject: string, value: unknown): void {
    this.publishRaw(subject, encodeJson(value));
  }

  /** Publishes bytes as they are. */
  publishRaw(subject: string, data: Uint8Array, reply?: string): void {
    if (this.#conn.isClosed()) throw new BusClosedError();
    this.#conn.publish(subject, data, reply);
    this.counters.published++;
  }

  /** Subscribes with a typed, validated handler. A throwing handler is logged and counted. */
  subscribe<T = unknown>(
    subject: string,
    handler: MessageHandler<T>,
    options: SubscribeOptions<T> = {},
  ): BusSubscription {
    if (this.#conn.isClosed()) throw new BusClosedError();
    // Hot path: handlers run synchronously; only a handler that returns a promise costs a
    // promise chain (measured: wrapping every call in an async task halved throughput).
    const handlerFailed = (error: unknown) => {
      this.counters.handlerErrors++;
      this.#log.error("handler failed", { subject, error: errorText(error) });
    };
    // `inflight` counts handlers that went async; serial mode queues messages while one runs.
    // The queue is pumped in a loop, not by recursion, so a long backlog of sync handlers
    // behind one async handler cannot overflow the stack.
    let inflight = 0;
    let busy = false;
    const queue: [T, MessageContext][] = [];
    let idle: PromiseWithResolvers<void> | undefined;
    const checkIdle = () => {
      if (idle && inflight === 0 && queue.length === 0) {
        idle.resolve();
        idle = undefined;
      }
    };
    /** Runs the handler; false when it returned a promise (then `done` runs when it settles). */
    const run = (value: T, context: MessageContext, done: () => void): boolean => {
      let result: void | Promise<void>;
      try {
        result = handler(value, context);
      } catch (error) {
        handlerFailed(error);
        return true;
      }
      if (!(result instanceof Promise)) return true;
      inflight++;
      result.then(done, (error) => {
        handlerFailed(error);
        done();
      });
      return false;
    };
    const concurrentDone = () => {
      inflight--;
      checkIdle();
    };
    const serialDone = () => {
      inflight--;
      busy = false;
      pump();
      checkIdle();
    };
    const pump = () => {
      while (!busy) {
        const next = queue.shift();
        if (!next) return;
        busy = !run(next[0], next[1], serialDone);
      }
    };
    const invoke = options.serial
      ? (value: T, context: MessageContext) => {
        queue.push([value, context]);
        pump();
      }
      : (value: T, context: MessageContext) => void run(value, context, concurrentDone);
    const schema = options.schema && compiledValidator(options.schema);
    const sub: RawSubscription = this.#conn.subscribe(subject, {
      ...(options.queue ? { queue: options.queue } : {}),
      ...(options.max ? { max: options.max } : {}),
      callback: (err, msg) => {
        if (err || !msg) {
          this.#noteSubscriptionError(err ?? new Error("no message"), subject);
          return;
        }
        this.counters.received++;
        // The client's message object is the handler's context: one allocation less per message.
        const context: MessageContext = msg;
        let value: T;
        try {
          const parsed = parseJson(msg.data);
          value = schema ? validate(schema, parsed, subject) : parsed as T;
        } catch (error) {
          const decodeError = error instanceof EventDecodeError
            ? error
            : new EventDecodeError(String(error), { field: "(root)", issues: [] });
          this.counters.invalid++;
          this.#log.warn("invalid message rejected", { subject, error: decodeError.message });
          try {
            options.onInvalid?.(decodeError, context);
          } catch (failure) {
            // Like a handler, a throwing onInvalid must not reach nats.js's read loop.
            handlerFailed(failure);
          }
          return;
        }
        invoke(value, context);
      },
    });
    return {
      subject,
      closed: sub.closed,
      unsubscribe: () => sub.unsubscribe(),
      drain: async () => {
        if (!sub.isClosed()) await sub.drain().catch(() => undefined);
        if (inflight > 0 || queue.length > 0) {
          idle ??= Promise.withResolvers<void>();
          await idle.promise;
        }
      },
    };
  }

  /** Sends a request and decodes the reply. Fails with a {@linkcode BusRequestError}. */
  async request<R = unknown>(
    subject: string,
    value: unknown,
    options: RequestOptions<R> = {},
  ): Promise<R> {
    if (this.#conn.isClosed()) throw new BusClosedError();
    this.counters.requests++;
    let msg: RawMessage;
    try {
      msg = await this.#conn.request(
        subject,
        encodeJson(value),
        options.timeoutMs ?? 5000,
        options.replyPrefix === undefined
          ? undefined
          : `${options.replyPrefix}.${crypto.randomUUID().replaceAll("-", "")}`,
      );
    } catch (error) {
      this.counters.requestFailures++;
      throw error instanceof BusRequestError
        ? error
        : new BusRequestError(REQUEST_FAILURES.failed, subject, errorText(error), {
          cause: error,
        });
    }
    try {
      const parsed = parseJson(msg.data);
      return options.schema
        ? validate(compiledValidator(options.schema), parsed, `reply from ${subject}`)
        : parsed as R;
    } catch (error) {
      this.counters.requestFailures++;
      throw new BusRequestError("invalid-reply", subject, errorText(error), { cause: error });
    }
  }

  /**
   * Serves requests on `subject`: the handler's return value is the reply. Invalid requests
   * and handler errors get an error reply (never silence, never a stack trace).
   */
  serve<Q = unknown, R = unknown>(
    subject: string,
    handler: (request: Q, context: MessageContext) => R | Promise<R>,
    options: ServeOptions<Q> = {},
  ): BusSubscription {
    const invalidReply = options.invalidReply ??
      ((e: EventDecodeError) => ({
        ok: false,
        error: { code: "invalid_args", message: e.message },
      }));
    const errorReply = options.errorReply ??
      ((_e: unknown) => ({ ok: false, error: { code: "failed", message: "internal error" } }));
    const tooLargeReply = options.tooLargeReply ??
      ((_e: unknown) => ({
        ok: false,
        error: { code: "failed", message: "the answer was too large to send" },
      }));
    const respond = (context: MessageContext, value: unknown, fallback = true) => {
      if (!context.reply) return;
      try {
        this.publish(context.reply, value);
      } catch (error) {
        this.#log.warn("reply not sent", { subject, error: errorText(error) });
        // A short answer instead of silence (the requester would wait for its timeout).
        if (fallback && isPayloadTooLarge(error)) {
          respond(context, tooLargeReply(error), false);
        }
      }
    };
    return this.subscribe<Q>(subject, async (request, context) => {
      let reply: unknown;
      try {
        reply = await handler(request, context);
      } catch (error) {
        this.counters.handlerErrors++;
        this.#log.error("request handler failed", { subject, error: errorText(error) });
        reply = errorReply(error);
      }
      respond(context, reply);
    }, {
      ...(options.schema ? { schema: options.schema } : {}),
      ...(options.queue ? { queue: options.queue } : {}),
      onInvalid: (error, context) => respond(context, invalidReply(error)),
    });
  }

  /** Persistent streams and durable consumers (JetStream). */
  get durable(): DurableStreams {
    this.#durable ??= this.#conn.durable(this.#log, this.counters);
    return this.#durable;
  }

  /** Waits until the server has processed everything published so far. */
  async flush(): Promise<void> {
    await this.#conn.flush();
  }

  /** Stops subscriptions, sends what is buffered, then closes. */
  async drain(): Promise<void> {
    this.#durable?.stop();
    if (!this.#conn.isClosed()) await this.#conn.drain().catch(() => undefined);
    await this.#closed;
  }

  /** Closes at once. */
  async close(): Promise<void> {
    this.#durable?.stop();
    if (!this.#conn.isClosed()) await this.#conn.close().catch(() => undefined);
    await this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #emit(event: BusStatusEvent) {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#log.error("status listener failed", { error: errorText(error) });
      }
    }
  }

  #noteSubscriptionError(error: Error, subject: string) {
    if (error instanceof BusPermissionError) {
      // Also reported as a connection event; count it once there.
      this.#log.warn("subscription refused", { subject });
      return;
    }
    this.#emit({ type: "error", error });
  }

  #onConnectionEvent(event: ConnectionEvent): void {
    switch (event.type) {
      case "disconnect":
        this.#status = "disconnected";
        this.counters.disconnects++;
        this.#log.warn("disconnected from NATS", { server: event.server });
        this.#emit({ type: "disconnected", server: event.server });
        break;
      case "reconnecting":
        this.#emit({ type: "reconnecting" });
        break;
      case "reconnect":
        this.#status = "connected";
        this.counters.reconnects++;
        this.#log.info("reconnected to NATS", { server: event.server });
        this.#emit({ type: "reconnected", server: event.server });
        break;
      case "slow-consumer":
        this.#emit(event);
        break;
      case "permission":
        this.counters.permissionViolations++;
        this.#log.warn("permission violation", {
          operation: event.operation,
          subject: event.subject,
        });
        this.#emit({
          type: "permission-violation",
          operation: event.operation,
          subject: event.subject,
        });
        break;
      case "error":
        this.#log.warn("NATS error", { error: errorText(event.error) });
        this.#emit(event);
        break;
    }
  }
}
