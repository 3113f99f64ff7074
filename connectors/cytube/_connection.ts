/**
 * The socket lifecycle under a {@linkcode CytubeClient}: discovery, one socket.io connection
 * at a time, and reconnects with backoff. It knows nothing of joining or chat; the client
 * tells it when a disconnect must not be retried (a kick, a fatal error).
 *
 * socket.io's own reconnection is off: each attempt rediscovers the server (a partitioned
 * site may move the channel) and CyTube needs a fresh `joinChannel` per socket anyway.
 *
 * @module
 */

import { io, type Socket } from "socket.io-client";
import type { Logger } from "../../core/log/mod.ts";
import { backoffDelay, type BackoffOptions } from "./_backoff.ts";
import { ConnectionError, type CytubeError, SocketConfigError } from "./errors.ts";
import type { ClientEvent, ClientFrameMap } from "./protocol.ts";
import { discoverSocketServer } from "./socket_config.ts";

/** Where the connection is. */
export type ConnectionState = "idle" | "connecting" | "open" | "waiting" | "stopped" | "closed";

export interface ConnectionOptions {
  baseUrl: string;
  channel: string;
  reconnect?: BackoffOptions | undefined;
  connectTimeoutMs?: number | undefined;
  fetch?: typeof fetch | undefined;
  logger: Logger;
}

/** What the connection reports; called synchronously, for the current socket only. */
export interface ConnectionCallbacks {
  /** A socket connected (attempt counts every socket opened so far). */
  onOpen(info: { serverUrl: string; attempt: number }): void;
  /** A socket.io event from the server. */
  onFrame(event: string, args: unknown[]): void;
  /** The socket closed or an attempt failed; `delayMs` is when the next attempt starts. */
  onClose(info: { reason: string; willReconnect: boolean; delayMs: number | null }): void;
  onError(error: CytubeError): void;
}

/** Payload arguments of a client frame: none for frames without payload. */
export type FramePayload<K extends ClientEvent> = ClientFrameMap[K] extends undefined ? []
  : [ClientFrameMap[K]];

export class Connection {
  readonly #options: ConnectionOptions;
  readonly #callbacks: ConnectionCallbacks;
  readonly #abort = new AbortController();
  #state: ConnectionState = "idle";
  #socket: Socket | undefined;
  #serverUrl = "";
  #failures = 0;
  #attempts = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  // Bumped whenever an attempt is superseded (stop, restart, close), so an attempt still
  // awaiting discovery knows to give up instead of opening a socket.
  #generation = 0;
  // Set by the client when the coming disconnect must not be retried normally (a kick).
  #afterDisconnect: { delayMs: number | undefined } | undefined;

  constructor(options: ConnectionOptions, callbacks: ConnectionCallbacks) {
    this.#options = options;
    this.#callbacks = callbacks;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get serverUrl(): string {
    return this.#serverUrl;
  }

  /** Starts from idle or stopped; does nothing while already running. */
  start(): void {
    if (this.#state !== "idle" && this.#state !== "stopped") return;
    this.#failures = 0;
    void this.#attempt();
  }

  /** Sends a frame on the open socket; false if there is none. */
  emit<K extends ClientEvent>(event: K, ...payload: FramePayload<K>): boolean {
    if (this.#state !== "open" || this.#socket === undefined) return false;
    this.#socket.emit(event, ...payload);
    return true;
  }

  /** The session got going (joined, logged in): the backoff starts over. */
  markHealthy(): void {
    this.#failures = 0;
  }

  /**
   * The server announced it will drop us (a kick): when it does, stay stopped, or reconnect
   * only after `delayMs`.
   */
  holdAfterDisconnect(delayMs: number | undefined): void {
    this.#afterDisconnect = { delayMs };
  }

  /** Drops the socket now and stays stopped (a fatal error). */
  stop(reason: string): void {
    if (this.#state === "closed") return;
    this.#generation++;
    this.#teardown();
    clearTimeout(this.#timer);
    this.#state = "stopped";
    this.#callbacks.onClose({ reason, willReconnect: false, delayMs: null });
  }

  /** Drops the socket now and reconnects after the usual backoff. */
  restart(reason: string): void {
    if (this.#state === "closed") return;
    this.#generation++;
    this.#teardown();
    this.#scheduleReconnect(reason);
  }

  /** Stops for good; no socket or timer outlives this call. */
  close(): void {
    this.#generation++;
    this.#state = "closed";
    this.#abort.abort();
    clearTimeout(this.#timer);
    this.#teardown();
  }

  async #attempt(): Promise<void> {
    this.#timer = undefined;
    if (this.#state === "closed") return;
    const generation = ++this.#generation;
    this.#state = "connecting";
    let url: string;
    try {
      const server = await discoverSocketServer(this.#options.baseUrl, this.#options.channel, {
        signal: this.#abort.signal,
        ...(this.#options.fetch ? { fetch: this.#options.fetch } : {}),
      });
      url = server.url;
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#callbacks.onError(
        error instanceof SocketConfigError
          ? error
          : new SocketConfigError(this.#options.baseUrl, String(error), { cause: error }),
      );
      this.#scheduleReconnect("server discovery failed");
      return;
    }
    if (generation !== this.#generation) return;
    this.#serverUrl = url;
    this.#open(url);
  }

  #open(url: string): void {
    const socket = io(url, {
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
      timeout: this.#options.connectTimeoutMs ?? 20_000,
    });
    this.#socket = socket;
    this.#afterDisconnect = undefined;
    // Late events of a replaced socket are ignored, and nothing thrown reaches socket.io.
    const guard = (fn: () => void) => {
      if (socket !== this.#socket) return;
      try {
        fn();
      } catch (error) {
        this.#options.logger.error("socket handler failed", { error });
      }
    };
    socket.on("connect", () =>
      guard(() => {
        this.#state = "open";
        this.#attempts++;
        this.#callbacks.onOpen({ serverUrl: url, attempt: this.#attempts });
      }));
    socket.on("connect_error", (error: Error) =>
      guard(() => {
        this.#teardown();
        this.#callbacks.onError(new ConnectionError(url, error.message, { cause: error }));
        this.#scheduleReconnect("connect failed");
      }));
    socket.on("disconnect", (reason: string) => guard(() => this.#onDisconnect(reason)));
    socket.onAny((event: string, ...args: unknown[]) =>
      guard(() => this.#callbacks.onFrame(event, args))
    );
  }

  #onDisconnect(reason: string): void {
    this.#teardown();
    const hold = this.#afterDisconnect;
    this.#afterDisconnect = undefined;
    if (hold === undefined) return this.#scheduleReconnect(reason);
    if (hold.delayMs !== undefined) return this.#scheduleReconnect(reason, hold.delayMs);
    this.#state = "stopped";
    this.#callbacks.onClose({ reason, willReconnect: false, delayMs: null });
  }

  #scheduleReconnect(reason: string, delayOverride?: number): void {
    if (this.#state === "closed") return;
    this.#failures++;
    const delay = delayOverride ?? backoffDelay(this.#failures, this.#options.reconnect);
    this.#state = "waiting";
    this.#options.logger.info("reconnecting later", { reason, delayMs: delay });
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#attempt(), delay);
    this.#callbacks.onClose({ reason, willReconnect: true, delayMs: delay });
  }

  #teardown(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket === undefined) return;
    // Listeners first: our own disconnect must not be reported as a drop.
    socket.offAny();
    socket.removeAllListeners();
    socket.disconnect();
  }
}
