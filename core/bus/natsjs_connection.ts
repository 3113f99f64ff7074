/**
 * The EventBus on nats.js v3 (`@nats-io/transport-node`): the one NATS client of every process,
 * core services and sandboxed plugins alike. transport-node rather than nats-core's `wsconnect`
 * over Deno's WebSocket: measured within ~2 MB PSS of each other in a sandboxed process
 * (docs/PERFORMANCE.md), and plain TCP needs no websocket listener on the server, no second
 * port in each plugin's `--allow-net`, and no global (`WebSocket`) that plugin code can replace.
 *
 * @module
 */
import {
  AuthorizationError,
  connect,
  credsAuthenticator,
  type Msg,
  type NatsConnection,
  NoRespondersError,
  PermissionViolationError,
  RequestError,
  TimeoutError,
  UserAuthenticationExpiredError,
} from "@nats-io/transport-node";
import type { Logger } from "../log/mod.ts";
import type {
  BusConnection,
  ConnectionEvent,
  ConnectSettings,
  RawMessage,
  RawSubscribeOptions,
  RawSubscription,
} from "./connection.ts";
import type { BusCounters } from "./counters.ts";
import { DurableStreams } from "./durable_streams.ts";
import { BusPermissionError, BusRequestError, errorText } from "./errors.ts";
import { credentialsRefused, firstConnect } from "./_first_connect.ts";
import { installSocketErrorGuard } from "./_socket_guard.ts";

/**
 * nats.js's per-dial timeout. An attempt waits at most what is left of `timeoutMs`, but never
 * less than a second: the same option governs every later reconnect dial of the connection,
 * and a tiny connect deadline must not make those fail on a busy machine.
 */
const DIAL_TIMEOUT_MS = 20_000;
const MIN_DIAL_TIMEOUT_MS = 1000;
/** Unanswered client PINGs after which the server counts as gone (a frozen peer keeps TCP open). */
const MAX_PINGS_OUT = 2;

/** Connects (see {@linkcode firstConnect} for the first-connect policy); reconnects forever. */
export async function connectNatsJs(options: ConnectSettings): Promise<BusConnection> {
  installSocketErrorGuard();
  const where = `${options.servers} as "${options.name}"`;
  const nc = await firstConnect({
    where,
    dial: (remainingMs) =>
      connect({
        servers: options.servers,
        name: options.name,
        inboxPrefix: options.inboxPrefix,
        maxReconnectAttempts: -1,
        reconnectTimeWait: options.reconnectWaitMs,
        reconnectJitter: 100,
        // nats.js otherwise builds an Error per request only to keep its stack for a possible
        // failure: measured as ~4 % of the core's CPU at 1000 commands/s. Our request errors
        // name the subject instead.
        noAsyncTraces: true,
        ...(options.creds
          ? { authenticator: credsAuthenticator(new TextEncoder().encode(options.creds)) }
          : {}),
        // Dial the host as written: with the default `resolve: true` transport-node looks the
        // name up first, which a sandbox granted only `host:port` may not do (NOTES-SANDBOX §1).
        resolve: false,
        ...(options.tls
          ? {
            tls: {
              ...(options.tls.ca ? { caFile: options.tls.ca } : {}),
              ...(options.tls.caPem ? { ca: options.tls.caPem } : {}),
              ...(options.tls.cert ? { certFile: options.tls.cert } : {}),
              ...(options.tls.key ? { keyFile: options.tls.key } : {}),
            },
          }
          : {}),
        ...(options.onlyListedServers ? { ignoreClusterUpdates: true, noRandomize: true } : {}),
        pingInterval: options.pingIntervalMs,
        maxPingOut: MAX_PINGS_OUT,
        waitOnFirstConnect: false,
        timeout: Math.max(MIN_DIAL_TIMEOUT_MS, Math.min(DIAL_TIMEOUT_MS, remainingMs)),
      }),
    refusal: (error) =>
      error instanceof AuthorizationError || error instanceof UserAuthenticationExpiredError
        ? credentialsRefused(where, error.message)
        : undefined,
  }, {
    wait: options.waitOnFirstConnect,
    timeoutMs: options.connectTimeoutMs,
    retryMs: options.reconnectWaitMs,
    log: options.log,
  });
  return new NatsJsConnection(nc);
}

class NatsJsConnection implements BusConnection {
  readonly natsConnection: NatsConnection;
  readonly closed: Promise<Error | undefined>;
  #listener: ((event: ConnectionEvent) => void) | undefined;
  /** As the status stream last said (the socket may already be gone: see #watchStatus). */
  #connected = true;
  /** Flushes waiting for the next reconnect (or the close). */
  #reconnectWaiters: (() => void)[] = [];

  constructor(nc: NatsConnection) {
    this.natsConnection = nc;
    this.closed = nc.closed().then((error) => error ?? undefined);
    void this.closed.then(() => this.#wakeReconnectWaiters());
    void this.#watchStatus();
  }

  get server(): string {
    return this.natsConnection.getServer();
  }

  isClosed(): boolean {
    return this.natsConnection.isClosed();
  }

  publish(subject: string, data: Uint8Array, reply?: string): void {
    this.natsConnection.publish(subject, data, reply ? { reply } : undefined);
  }

  subscribe(subject: string, options: RawSubscribeOptions): RawSubscription {
    const sub = this.natsConnection.subscribe(subject, {
      ...(options.queue ? { queue: options.queue } : {}),
      ...(options.max ? { max: options.max } : {}),
      callback: (error, msg) => {
        if (error) {
          options.callback(
            error instanceof PermissionViolationError
              ? new BusPermissionError("subscription", subject, { cause: error })
              : error,
            null,
          );
        } else options.callback(null, rawOf(msg));
      },
    });
    return {
      subject,
      closed: sub.closed.then(() => undefined, () => undefined),
      isClosed: () => sub.isClosed(),
      unsubscribe: () => sub.unsubscribe(),
      drain: () => sub.drain(),
    };
  }

  async request(
    subject: string,
    data: Uint8Array,
    timeoutMs: number,
    reply?: string,
  ): Promise<RawMessage> {
    try {
      return rawOf(
        await this.natsConnection.request(
          subject,
          data,
          // nats.js takes a reply subject of the caller's only without its shared inbox (noMux).
          reply === undefined ? { timeout: timeoutMs } : { timeout: timeoutMs, noMux: true, reply },
        ),
      );
    } catch (error) {
      throw toRequestError(subject, error);
    }
  }

  /**
   * nats.js rejects a flush pending across a disconnect ("connection disconnected") when it
   * dials again; "everything sent so far is processed" still has a meaning after the reconnect,
   * so the flush is asked again then. Rejects only once the connection is closed.
   */
  async flush(): Promise<void> {
    for (;;) {
      try {
        return await this.natsConnection.flush();
      } catch (error) {
        if (this.natsConnection.isClosed()) throw error;
        if (!this.#connected) await this.#reconnected();
      }
    }
  }

  /**
   * While disconnected nats.js's drain would wait for a server that may never come back; with
   * no server nothing can be delivered or drained, so the connection just closes.
   */
  async drain(): Promise<void> {
    if (!this.#connected) return await this.close();
    await this.natsConnection.drain();
  }

  async close(): Promise<void> {
    await this.natsConnection.close();
  }

  onEvent(listener: (event: ConnectionEvent) => void): void {
    this.#listener = listener;
  }

  durable(log: Logger, counters: BusCounters): DurableStreams {
    return new DurableStreams(this.natsConnection, log, counters);
  }

  #emit(event: ConnectionEvent) {
    this.#listener?.(event);
  }

  #reconnected(): Promise<void> {
    return new Promise((resolve) => this.#reconnectWaiters.push(resolve));
  }

  #wakeReconnectWaiters() {
    const waiters = this.#reconnectWaiters;
    this.#reconnectWaiters = [];
    for (const wake of waiters) wake();
  }

  async #watchStatus(): Promise<void> {
    for await (const status of this.natsConnection.status()) {
      switch (status.type) {
        case "disconnect":
          this.#connected = false;
          this.#emit({ type: "disconnect", server: status.server });
          break;
        case "reconnecting":
          this.#emit({ type: "reconnecting" });
          break;
        case "reconnect":
          this.#connected = true;
          this.#wakeReconnectWaiters();
          this.#emit({ type: "reconnect", server: status.server });
          break;
        case "slowConsumer":
          this.#emit({
            type: "slow-consumer",
            subject: status.sub.getSubject(),
            pending: status.pending,
          });
          break;
        case "error": {
          const error = status.error;
          this.#emit(
            error instanceof PermissionViolationError
              ? { type: "permission", operation: error.operation, subject: error.subject }
              : { type: "error", error },
          );
          break;
        }
      }
    }
  }
}

function rawOf(msg: Msg): RawMessage {
  return msg.reply
    ? { subject: msg.subject, reply: msg.reply, data: msg.data }
    : { subject: msg.subject, data: msg.data };
}

function toRequestError(subject: string, error: unknown): BusRequestError {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (cause instanceof TimeoutError) {
    return new BusRequestError("timeout", subject, "no reply in time", { cause: error });
  }
  if (
    cause instanceof NoRespondersError || (error instanceof RequestError && error.isNoResponders())
  ) {
    return new BusRequestError("no-responders", subject, "nobody serves this subject", {
      cause: error,
    });
  }
  if (cause instanceof PermissionViolationError) {
    return new BusRequestError(
      "permission-denied",
      subject,
      new BusPermissionError(cause.operation, cause.subject).message,
      { cause: error },
    );
  }
  if (error instanceof Error && /closed/i.test(error.message)) {
    return new BusRequestError("closed", subject, error.message, { cause: error });
  }
  return new BusRequestError("failed", subject, errorText(error), { cause: error });
}
