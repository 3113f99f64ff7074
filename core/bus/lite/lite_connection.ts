/**
 * The lite NATS client: core NATS (publish, subscribe, request/reply, flush, drain) over Deno's
 * own TCP, for the processes that need nothing more: sandboxed plugins. nats.js runs on Deno's
 * Node compatibility layer and costs about 12 MB and ~100 µs of CPU per message on top of a bare
 * Deno; this costs about 1 MB (docs/PERFORMANCE.md has the measurements).
 *
 * It behaves as the EventBus expects of nats.js: it waits for the server on first connect,
 * reconnects forever (re-subscribing), answers server PINGs and pings the server itself to
 * notice a dead peer, reports permission violations without dropping the connection, and
 * closes for good when the server rejects the credentials (revoked or expired), so that the
 * process can exit and be relaunched with fresh ones. As with nats.js, core publishes made
 * while disconnected are dropped: what must not be lost goes through JetStream.
 *
 * @module
 */
import type {
  BusConnection,
  ConnectionEvent,
  ConnectSettings,
  RawMessage,
  RawSubscribeOptions,
  RawSubscription,
} from "../connection.ts";
import {
  BusClosedError,
  BusConnectError,
  BusPermissionError,
  BusRequestError,
  errorText,
} from "../errors.ts";
import { credentialsRefused, firstConnect } from "../_first_connect.ts";
import { type CredsSigner, credsSigner } from "./nkey_signer.ts";
import { ProtocolParser, type ServerInfo, type ServerOp } from "./protocol.ts";

export interface LiteConnectOptions extends ConnectSettings {
  /** Client PING interval; two unanswered PINGs mean the server is gone. Default 20 s. */
  pingIntervalMs?: number;
}

const encoder = new TextEncoder();
const CRLF = encoder.encode("\r\n");
const PING = encoder.encode("PING\r\n");
const PONG = encoder.encode("PONG\r\n");
/** A server that accepted TCP but did not complete the handshake in this time is not one. */
const HANDSHAKE_TIMEOUT_MS = 5000;
const MAX_PINGS_OUT = 2;
/** Errors after which the server closes the connection and retrying the same creds is useless. */
const AUTH_FAILURE = /authorization violation|authentication (revoked|expired)|expired/i;
const PERMISSION = /permissions violation for (publish|subscription) to "?([^"\s]*)"?/i;

/** Connects with the EventBus's first-connect policy (see `_first_connect.ts`). */
export async function connectLite(options: LiteConnectOptions): Promise<BusConnection> {
  const signer = options.creds ? await credsSigner(options.creds) : undefined;
  const connection = new LiteConnection(options, signer);
  await connection.start();
  return connection;
}

interface Subscription {
  sid: number;
  subject: string;
  queue?: string | undefined;
  max?: number | undefined;
  received: number;
  callback: RawSubscribeOptions["callback"];
  done: PromiseWithResolvers<void>;
  closed: boolean;
}

interface PendingRequest {
  subject: string;
  resolve(message: RawMessage): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** A pong waiter: a flush, or the keepalive's own ping. */
interface PongWaiter {
  keepalive: boolean;
  resolve(): void;
}

class LiteConnection implements BusConnection {
  readonly #options: LiteConnectOptions;
  readonly #signer: CredsSigner | undefined;
  readonly #servers: { host: string; port: number; label: string }[];
  readonly #closed = Promise.withResolvers<Error | undefined>();
  readonly closed = this.#closed.promise;
  #serverIndex = 0;
  #socket: Deno.TcpConn | undefined;
  #info: ServerInfo = {};
  #connected = false;
  #isClosed = false;
  #listener: ((event: ConnectionEvent) => void) | undefined;
  readonly #subs = new Map<number, Subscription>();
  #nextSid = 1;
  #out: Uint8Array[] = [];
  #writing = false;
  #pongs: PongWaiter[] = [];
  #pingsOut = 0;
  #pinger: ReturnType<typeof setInterval> | undefined;
  #requests: Map<string, PendingRequest> | undefined;
  #requestSeq = 0;
  readonly #muxPrefix: string;

  constructor(options: LiteConnectOptions, signer: CredsSigner | undefined) {
    this.#options = options;
    this.#signer = signer;
    this.#servers = (Array.isArray(options.servers) ? options.servers : [options.servers])
      .map(parseServer);
    this.#muxPrefix = `${options.inboxPrefix}.${randomToken()}`;
  }

  get server(): string {
    return this.#servers[this.#serverIndex]!.label;
  }

  isClosed(): boolean {
    return this.#isClosed;
  }

  onEvent(listener: (event: ConnectionEvent) => void): void {
    this.#listener = listener;
  }

  /** The first connect: retries while unreachable (if asked to), fails at once when refused. */
  async start(): Promise<void> {
    const { log, waitOnFirstConnect, connectTimeoutMs, reconnectWaitMs, name } = this.#options;
    const where = `${this.#servers.map((s) => s.label).join(",")} as "${name}"`;
    await firstConnect({
      where,
      dial: async () => {
        try {
          await this.#open();
        } catch (error) {
          this.#serverIndex = (this.#serverIndex + 1) % this.#servers.length;
          throw error;
        }
      },
      refusal: (error) =>
        error instanceof TlsRequiredError
          ? `NATS at ${where} requires TLS, which the lite client does not speak: connect this ` +
            `component with client "nats.js", or serve it from a listener without TLS (the ` +
            `bot's own nats-server listens on 127.0.0.1 without TLS)`
          : error instanceof RefusedError
          ? credentialsRefused(where, error.message)
          : undefined,
    }, { wait: waitOnFirstConnect, timeoutMs: connectTimeoutMs, retryMs: reconnectWaitMs, log });
    const interval = this.#options.pingIntervalMs ?? 20_000;
    const pinger = setInterval(() => this.#keepalive(), interval);
    Deno.unrefTimer(pinger);
    this.#pinger = pinger;
  }

  publish(subject: string, data: Uint8Array, reply?: string): void {
    if (this.#isClosed) throw new BusClosedError();
    checkSubject(subject);
    const max = this.#info.max_payload;
    if (max !== undefined && data.length > max) {
      throw new RangeError(
        `message of ${data.length} bytes exceeds the server's max_payload ${max}`,
      );
    }
    // Like nats.js: a core publish while disconnected is lost (durable data uses JetStream).
    if (!this.#connected) return;
    this.#send(
      encoder.encode(`PUB ${subject}${reply ? ` ${reply}` : ""} ${data.length}\r\n`),
      data,
      CRLF,
    );
  }

  subscribe(subject: string, options: RawSubscribeOptions): RawSubscription {
    if (this.#isClosed) throw new BusClosedError();
    checkSubject(subject);
    const sub: Subscription = {
      sid: this.#nextSid++,
      subject,
      queue: options.queue,
      max: options.max,
      received: 0,
      callback: options.callback,
      done: Promise.withResolvers<void>(),
      closed: false,
    };
    this.#subs.set(sub.sid, sub);
    if (this.#connected) this.#send(...this.#subOps(sub));
    return {
      subject,
      closed: sub.done.promise,
      isClosed: () => sub.closed,
      unsubscribe: () => this.#unsubscribe(sub),
      drain: () => this.#drainSub(sub),
    };
  }

  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<RawMessage> {
    if (this.#isClosed) return Promise.reject(new BusRequestError("closed", subject, "closed"));
    if (!this.#requests) {
      const requests = this.#requests = new Map<string, PendingRequest>();
      this.subscribe(`${this.#muxPrefix}.*`, {
        callback: (error, message) => {
          if (error || !message) {
            // The reply inbox was refused: no request can get an answer. The next request
            // subscribes again (and is refused again, unless the grants changed).
            this.#requests = undefined;
            for (const pending of requests.values()) {
              clearTimeout(pending.timer);
              pending.reject(
                new BusRequestError(
                  "permission-denied",
                  pending.subject,
                  error?.message ?? "the reply inbox is gone",
                  { cause: error },
                ),
              );
            }
            return;
          }
          const token = message.subject.slice(this.#muxPrefix.length + 1);
          const pending = this.#requests?.get(token);
          if (!pending) return;
          this.#requests!.delete(token);
          clearTimeout(pending.timer);
          if ((message as LiteMessage).status === 503) {
            pending.reject(
              new BusRequestError("no-responders", subject, "nobody serves this subject"),
            );
          } else pending.resolve(message);
        },
      });
    }
    const token = String(++this.#requestSeq);
    const { promise, resolve, reject } = Promise.withResolvers<RawMessage>();
    const timer = setTimeout(() => {
      this.#requests?.delete(token);
      reject(new BusRequestError("timeout", subject, "no reply in time"));
    }, timeoutMs);
    this.#requests.set(token, { subject, resolve, reject, timer });
    try {
      this.publish(subject, data, `${this.#muxPrefix}.${token}`);
    } catch (error) {
      clearTimeout(timer);
      this.#requests.delete(token);
      reject(new BusRequestError("failed", subject, errorText(error), { cause: error }));
    }
    return promise;
  }

  flush(): Promise<void> {
    if (this.#isClosed) return Promise.reject(new BusClosedError());
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#pongs.push({ keepalive: false, resolve });
    // While disconnected the PING is sent on reconnect (see #open).
    if (this.#connected) this.#send(PING);
    return promise;
  }

  async drain(): Promise<void> {
    if (this.#isClosed) return;
    // Disconnected there is nothing to drain: the server dropped our interest already, and
    // what is queued would be dropped anyway. Waiting for a reconnect could wait forever.
    if (!this.#connected) return await this.close();
    await Promise.all([...this.#subs.values()].map((sub) => this.#drainSub(sub)));
    await this.flush().catch(() => undefined);
    await this.close();
  }

  close(): Promise<void> {
    this.#shutdown(undefined);
    return Promise.resolve();
  }

  // --- connection lifecycle ---------------------------------------------------------------

  /** Dials, handshakes, restores subscriptions; then reads until the socket ends. */
  async #open(): Promise<void> {
    const target = this.#servers[this.#serverIndex]!;
    const socket = await Deno.connect({ hostname: target.host, port: target.port });
    socket.setNoDelay(true);
    const parser = new ProtocolParser();
    const handshake = Promise.withResolvers<void>();
    let stage: "info" | "connect" | "ready" = "info";
    const timer = setTimeout(
      () => handshake.reject(new Error(`no NATS handshake within ${HANDSHAKE_TIMEOUT_MS} ms`)),
      HANDSHAKE_TIMEOUT_MS,
    );
    const onOp = (op: ServerOp) => {
      if (stage === "ready") return this.#onOp(op);
      if (op.op === "INFO" && stage === "info") {
        stage = "connect";
        this.#info = op.info;
        if (op.info.tls_required) {
          handshake.reject(
            new TlsRequiredError("the server requires TLS, which the lite client lacks"),
          );
          return;
        }
        void this.#connectOps(op.info).then((ops) => {
          writeAll(socket, concat(ops)).catch((error) => handshake.reject(error));
        }, (error) => handshake.reject(error));
      } else if (op.op === "PONG" && stage === "connect") {
        // Ready from here on, synchronously: messages later in this same read may be answered.
        stage = "ready";
        this.#socket = socket;
        this.#connected = true;
        this.#pingsOut = 0;
        // Flushes that waited through an outage get their PING now.
        for (const waiter of this.#pongs) if (!waiter.keepalive) this.#send(PING);
        handshake.resolve();
      } else if (op.op === "ERR") {
        handshake.reject(
          AUTH_FAILURE.test(op.message) ? new RefusedError(op.message) : new Error(op.message),
        );
      } else if (op.op === "PING") {
        writeAll(socket, PONG).catch(() => undefined);
      } else if (op.op === "MSG") {
        this.#onOp(op); // a message for a restored subscription can beat the PONG
      }
    };
    const reading = this.#read(socket, parser, onOp, handshake);
    try {
      await handshake.promise;
    } catch (error) {
      clearTimeout(timer);
      closeQuietly(socket);
      await reading;
      throw error;
    }
    clearTimeout(timer);
    void reading.then(() => this.#lost(socket));
  }

  async #read(
    socket: Deno.TcpConn,
    parser: ProtocolParser,
    onOp: (op: ServerOp) => void,
    handshake: PromiseWithResolvers<void>,
  ): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await socket.read(buffer);
        if (n === null) break;
        parser.push(buffer.subarray(0, n), onOp);
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted)) {
        this.#options.log.debug("NATS socket ended", { error: errorText(error) });
      }
    }
    handshake.reject(new Error("the server closed the connection"));
  }

  /** CONNECT (signed when we have creds), every live subscription, and a PING to confirm. */
  async #connectOps(info: ServerInfo): Promise<Uint8Array[]> {
    const connect: Record<string, unknown> = {
      verbose: false,
      pedantic: false,
      lang: "quicksilver-lite",
      version: "1.0.0",
      protocol: 1,
      headers: true,
      no_responders: true,
      echo: true,
      name: this.#options.name,
    };
    if (this.#signer) {
      connect.jwt = this.#signer.jwt;
      if (info.nonce) connect.sig = await this.#signer.sign(info.nonce);
    }
    const ops: Uint8Array[] = [encoder.encode(`CONNECT ${JSON.stringify(connect)}\r\n`)];
    for (const sub of this.#subs.values()) if (!sub.closed) ops.push(...this.#subOps(sub));
    ops.push(PING);
    return ops;
  }

  /** The socket ended: report, then redial until it works or the connection is closed. */
  async #lost(socket: Deno.TcpConn): Promise<void> {
    if (this.#socket !== socket || this.#isClosed) return;
    this.#connected = false;
    this.#socket = undefined;
    this.#out = [];
    this.#pongs = this.#pongs.filter((waiter) => !waiter.keepalive);
    const server = this.server;
    this.#emit({ type: "disconnect", server });
    while (!this.#isClosed) {
      await delay(this.#options.reconnectWaitMs + Math.random() * 100);
      if (this.#isClosed) return;
      this.#emit({ type: "reconnecting" });
      try {
        await this.#open();
        this.#emit({ type: "reconnect", server: this.server });
        return;
      } catch (error) {
        if (error instanceof RefusedError) {
          // Revoked or expired: the same creds will never work again.
          this.#shutdown(new BusConnectError("refused", error.message, { cause: error }));
          return;
        }
        this.#serverIndex = (this.#serverIndex + 1) % this.#servers.length;
      }
    }
  }

  #shutdown(error: Error | undefined): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#connected = false;
    clearInterval(this.#pinger);
    // What is queued goes out first (a drain's last replies), then the socket closes: the
    // pump closes it when it finishes.
    if (!this.#writing) {
      if (this.#out.length > 0 && this.#socket) {
        this.#writing = true;
        void this.#pump();
      } else this.#closeSocket();
    }
    for (const [token, pending] of this.#requests ?? []) {
      clearTimeout(pending.timer);
      pending.reject(new BusRequestError("closed", pending.subject, "the connection closed"));
      this.#requests!.delete(token);
    }
    for (const waiter of this.#pongs) waiter.resolve();
    this.#pongs = [];
    for (const sub of this.#subs.values()) this.#endSub(sub);
    this.#closed.resolve(error);
  }

  #keepalive(): void {
    if (!this.#connected) return;
    if (this.#pingsOut >= MAX_PINGS_OUT) {
      this.#options.log.warn("NATS server stopped answering PINGs; reconnecting");
      closeQuietly(this.#socket);
      return;
    }
    this.#pingsOut++;
    this.#pongs.push({ keepalive: true, resolve: () => this.#pingsOut-- });
    this.#send(PING);
  }

  // --- what the server sends ---------------------------------------------------------------

  #onOp(op: ServerOp): void {
    switch (op.op) {
      case "MSG": {
        const sub = this.#subs.get(op.sid);
        if (!sub || sub.closed) return;
        sub.received++;
        const message: LiteMessage = op.reply
          ? { subject: op.subject, reply: op.reply, data: op.data }
          : { subject: op.subject, data: op.data };
        if (op.status !== undefined) message.status = op.status;
        if (sub.max !== undefined && sub.received >= sub.max) this.#endSub(sub);
        sub.callback(null, message);
        return;
      }
      case "PING":
        this.#send(PONG);
        return;
      case "PONG":
        this.#pongs.shift()?.resolve();
        return;
      case "INFO":
        this.#info = { ...this.#info, ...op.info };
        return;
      case "ERR":
        this.#onError(op.message);
        return;
      case "OK":
        return;
    }
  }

  #onError(message: string): void {
    const permission = PERMISSION.exec(message);
    if (permission) {
      const operation = permission[1]!.toLowerCase() === "publish" ? "publish" : "subscription";
      const subject = permission[2]!;
      this.#emit({ type: "permission", operation, subject });
      if (operation === "subscription") {
        for (const sub of this.#subs.values()) {
          if (sub.subject !== subject || sub.closed) continue;
          this.#endSub(sub);
          sub.callback(new BusPermissionError("subscription", subject), null);
        }
      } else {
        for (const [token, pending] of this.#requests ?? []) {
          if (pending.subject !== subject) continue;
          clearTimeout(pending.timer);
          this.#requests!.delete(token);
          pending.reject(
            new BusRequestError(
              "permission-denied",
              subject,
              new BusPermissionError("publish", subject).message,
            ),
          );
        }
      }
      return;
    }
    if (AUTH_FAILURE.test(message)) {
      // The server closes the socket next; #lost then finds the creds refused and closes.
      this.#options.log.warn("NATS refused the credentials", { error: message });
    }
    this.#emit({ type: "error", error: new Error(`NATS: ${message}`) });
  }

  // --- subscriptions -------------------------------------------------------------------------

  #subOps(sub: Subscription): Uint8Array[] {
    const ops = [
      encoder.encode(`SUB ${sub.subject}${sub.queue ? ` ${sub.queue}` : ""} ${sub.sid}\r\n`),
    ];
    if (sub.max !== undefined) {
      ops.push(encoder.encode(`UNSUB ${sub.sid} ${Math.max(0, sub.max - sub.received)}\r\n`));
    }
    return ops;
  }

  #unsubscribe(sub: Subscription): void {
    if (sub.closed) return;
    this.#endSub(sub);
    if (this.#connected) this.#send(encoder.encode(`UNSUB ${sub.sid}\r\n`));
  }

  async #drainSub(sub: Subscription): Promise<void> {
    if (sub.closed || this.#isClosed) return;
    if (this.#connected) this.#send(encoder.encode(`UNSUB ${sub.sid}\r\n`));
    // Whatever the server sent before the UNSUB arrives before the PONG.
    await this.flush().catch(() => undefined);
    this.#endSub(sub);
  }

  #endSub(sub: Subscription): void {
    if (sub.closed) return;
    sub.closed = true;
    this.#subs.delete(sub.sid);
    sub.done.resolve();
  }

  // --- writing -------------------------------------------------------------------------------

  /** Queues bytes; one write per turn of the event loop carries everything queued. */
  #send(...chunks: Uint8Array[]): void {
    for (const chunk of chunks) this.#out.push(chunk);
    if (!this.#writing) {
      this.#writing = true;
      queueMicrotask(() => void this.#pump());
    }
  }

  async #pump(): Promise<void> {
    try {
      while (this.#out.length > 0 && this.#socket) {
        const batch = concat(this.#out);
        this.#out = [];
        await writeAll(this.#socket, batch);
      }
    } catch (error) {
      this.#options.log.debug("NATS write failed", { error: errorText(error) });
      closeQuietly(this.#socket); // the read loop notices and reconnects
    } finally {
      this.#writing = false;
      if (this.#isClosed) this.#closeSocket();
    }
  }

  #closeSocket(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    closeQuietly(socket);
  }

  #emit(event: ConnectionEvent): void {
    try {
      this.#listener?.(event);
    } catch (error) {
      this.#options.log.error("connection listener failed", { error: errorText(error) });
    }
  }
}

interface LiteMessage extends RawMessage {
  status?: number;
}

/** The handshake was answered with an authentication failure (retrying cannot help). */
class RefusedError extends Error {
  override name = "RefusedError";
}

/** The server insists on TLS (retrying cannot help either). */
class TlsRequiredError extends RefusedError {
  override name = "TlsRequiredError";
}

function parseServer(server: string): { host: string; port: number; label: string } {
  const bare = server.replace(/^nats:\/\//, "").replace(/\/.*$/, "");
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(bare) ?? /^([^:]+)(?::(\d+))?$/.exec(bare);
  if (!match) throw new TypeError(`not a NATS server address: ${server}`);
  const host = match[1]!;
  const port = Number(match[2] ?? 4222);
  return { host, port, label: `${host.includes(":") ? `[${host}]` : host}:${port}` };
}

/** Subjects go into the protocol line as they are: whitespace would split it. */
function checkSubject(subject: string): void {
  if (subject === "" || /\s/.test(subject)) {
    throw new TypeError(`invalid subject ${JSON.stringify(subject)}`);
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let size = 0;
  for (const chunk of chunks) size += chunk.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

async function writeAll(socket: Deno.TcpConn, data: Uint8Array): Promise<void> {
  while (data.length > 0) data = data.subarray(await socket.write(data));
}

function closeQuietly(socket: Deno.TcpConn | undefined): void {
  try {
    socket?.close();
  } catch {
    // already closed
  }
}

function randomToken(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 12);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
