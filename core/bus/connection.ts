/**
 * What the EventBus needs from its NATS client (nats.js v3 over `@nats-io/transport-node`, in
 * every process, plugins included): the client-neutral events and typed errors that code above
 * the bus sees, so that nothing above it handles nats.js types.
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "../log/mod.ts";
import type { BusCounters } from "./counters.ts";
import type { DurableStreams } from "./durable_streams.ts";

/** What the client is connected with (the EventBus fills it from its options). */
export interface ConnectSettings {
  servers: string | string[];
  name: string;
  creds?: string | undefined;
  inboxPrefix: string;
  reconnectWaitMs: number;
  waitOnFirstConnect: boolean;
  connectTimeoutMs?: number | undefined;
  /** Client PING interval; two unanswered PINGs mean the server is gone. */
  pingIntervalMs: number;
  /** TLS to the server: PEM file paths (see {@linkcode BusTlsFiles}). */
  tls?: BusTlsFiles | undefined;
  /** Dial exactly `servers`, in order (see `EventBusOptions.onlyListedServers`). */
  onlyListedServers?: boolean | undefined;
  log: Logger;
}

/**
 * TLS to nats-server: `ca` (a PEM file path) or `caPem` (its text, for a sandboxed plugin that
 * may read no files) verifies the server; `cert` and `key` (PEM file paths, both or neither) are
 * the client's own certificate when the server asks for one (`verify: true`).
 */
export interface BusTlsFiles {
  ca?: string | undefined;
  caPem?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
}

/** One message as it came off the wire. */
export interface RawMessage {
  subject: string;
  reply?: string;
  data: Uint8Array;
}

/** Connection changes and problems, in the client-neutral form the bus turns into status events. */
export type ConnectionEvent =
  | { type: "disconnect"; server: string }
  | { type: "reconnecting" }
  | { type: "reconnect"; server: string }
  | { type: "slow-consumer"; subject: string; pending: number }
  | { type: "permission"; operation: "publish" | "subscription"; subject: string }
  | { type: "error"; error: Error };

export interface RawSubscribeOptions {
  queue?: string;
  max?: number;
  /**
   * Called for each message, or once with an error (a {@linkcode BusPermissionError} when the
   * server refused the subscription) after which the subscription is closed.
   */
  callback: (error: Error | null, message: RawMessage | null) => void;
}

export interface RawSubscription {
  readonly subject: string;
  /** Resolves when the subscription ends (unsubscribe, drain, max reached or refusal). */
  readonly closed: Promise<void>;
  isClosed(): boolean;
  unsubscribe(): void;
  /** Stops interest and resolves once the server has delivered everything sent before. */
  drain(): Promise<void>;
}

export interface BusConnection {
  /** `host:port` of the server in use. */
  readonly server: string;
  /** Resolves when the connection is closed for good: the error, if it was not asked for. */
  readonly closed: Promise<Error | undefined>;
  isClosed(): boolean;
  /** Fire and forget; throws when closed or when `data` exceeds the server's max payload. */
  publish(subject: string, data: Uint8Array, reply?: string): void;
  subscribe(subject: string, options: RawSubscribeOptions): RawSubscription;
  /**
   * Rejects with a {@linkcode BusRequestError} (timeout, no-responders, permission-denied…).
   * `reply`: the reply subject to use instead of one under the connection's inbox (a
   * subscription of its own for this one request).
   */
  request(
    subject: string,
    data: Uint8Array,
    timeoutMs: number,
    reply?: string,
  ): Promise<RawMessage>;
  /** Resolves once the server has processed everything sent so far. */
  flush(): Promise<void>;
  /** Drains every subscription, sends what is buffered, then closes. */
  drain(): Promise<void>;
  close(): Promise<void>;
  /** The one listener for connection events (the bus). */
  onEvent(listener: (event: ConnectionEvent) => void): void;
  /** The underlying nats.js connection, for raw access. */
  readonly natsConnection: NatsConnection;
  /** JetStream for this connection. */
  durable(log: Logger, counters: BusCounters): DurableStreams;
}
