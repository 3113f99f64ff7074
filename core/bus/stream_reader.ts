/**
 * A stream reader that keeps its own cursor: a JetStream consumer without acks (`AckPolicy.None`,
 * in memory on the server) that starts at the sequence the reader asks for, each time it
 * attaches. The reader's cursor lives with the state it writes (the chat log's cursor file, the
 * stats file), saved in the same write, so after any restart the reader continues at
 * `cursor + 1`: nothing lost, nothing applied twice, and the server tracks no acks.
 *
 * Why not a durable consumer with explicit acks: measured with the whole bot at 1000 msg/s
 * (docs/PERFORMANCE.md), two such consumers on `ROSEY_EVENTS` cost nats-server more CPU per
 * chat line than the command itself: every ack is a message the server routes, matches to a
 * pending delivery and writes to the consumer's file store. The services had their own cursor
 * anyway (it is how they skip a redelivery), which makes the server's ack state redundant.
 *
 * One consumer name per reader (e.g. `chatlog`): the reader deletes the consumer of that name
 * and creates it again from its start sequence, so its NATS rights name that one consumer
 * ({@linkcode streamReaderRights}), and a durable of the same name left by an older version is
 * replaced at the first start.
 */
import type { JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { parseJson, validate, type Validator } from "../events/json.ts";
import type { Logger } from "../log/mod.ts";
import type { BusCounters } from "./counters.ts";
import type { DurableConsumer, DurableDelivery } from "./durable_streams.ts";
import { keepAttached } from "./_reattach.ts";

export interface StreamReaderSpec<T> {
  stream: string;
  /** The consumer's name on the server: one reader each (its role's rights name it). */
  name: string;
  filterSubject?: string;
  schema?: Validator<T>;
  /**
   * The first stream sequence wanted, asked at every (re)attach: the reader's cursor + 1 (what it
   * has applied, in memory, + 1). Messages the stream no longer holds are passed over by the
   * server (the first delivery is then the oldest kept).
   */
  from: () => number;
}

/** What the reader needs from the bus (its connection and lazily loaded JetStream). */
export interface StreamReaderContext {
  nc: NatsConnection;
  log: Logger;
  counters: BusCounters;
  manager: () => Promise<JetStreamManager>;
  jetstream: () => Promise<typeof import("@nats-io/jetstream")>;
  stopSignal: AbortSignal;
}

const NANOS_PER_MS = 1_000_000;
/** The server drops a consumer nobody pulled from for this long (a reader that died). */
const INACTIVE_THRESHOLD_MS = 5 * 60_000;

/**
 * Reads `spec.stream` from `spec.from()` in stream order, calling `handler` synchronously for
 * each message. When the handler throws or its promise rejects, or a delivery is missing (the
 * consumer's own sequence skips), or the server loses the consumer (restart, deletion), the
 * reader stops delivering, and attaches again from `spec.from()`. A message that fails
 * validation is counted, logged and passed over.
 */
export function readStream<T>(
  context: StreamReaderContext,
  spec: StreamReaderSpec<T>,
  handler: (value: T, delivery: DurableDelivery) => void | Promise<void>,
): DurableConsumer {
  const { nc, log } = context;
  const stop = new AbortController();
  let detach: (() => void) | undefined;
  // The bus closing ends the attachment too (its pull timer must not outlive the bus).
  const onGlobalStop = () => {
    stop.abort();
    detach?.();
  };
  context.stopSignal.addEventListener("abort", onGlobalStop);
  const ready = Promise.withResolvers<void>();
  const loop = keepAttached({
    signal: stop.signal,
    isClosed: () => nc.isClosed(),
    serve: async (attached) => {
      const start = Math.max(1, spec.from());
      await replaceConsumer(context, spec, start);
      if (stop.signal.aborted) return;
      const attachment = attach(context, spec, handler);
      detach = attachment.detach;
      attached();
      ready.resolve();
      const failure = await attachment.ended;
      if (stop.signal.aborted || nc.isClosed()) return;
      throw failure;
    },
    backoffMs: (failures) => Math.min(100 * 2 ** Math.min(failures, 4), 2000),
    warn: (error) =>
      log.warn("stream reader interrupted; attaching again at its cursor", {
        stream: spec.stream,
        consumer: spec.name,
        error: error.message,
      }),
  });
  return {
    ready: ready.promise,
    stop: async () => {
      stop.abort();
      context.stopSignal.removeEventListener("abort", onGlobalStop);
      detach?.();
      await loop;
    },
  };
}

/**
 * One attachment to the consumer: a pull every {@linkcode PULL_INTERVAL_MS} for what the stream
 * gained since (up to {@linkcode PULL_BATCH} at once, `no_wait`: the server answers with what it
 * has, then 404 or 408 ends the pull), delivered to the handler in order. `ended` resolves with
 * why it stopped.
 *
 * Why pulls on a timer and not nats.js's `consume()`: `consume()` keeps a pull request waiting
 * at the server, so each chat line is delivered the moment it is stored, one server wake-up and
 * one socket write per line per reader. Pulling 20 times a second hands the server whole
 * batches: measured at 1000 lines/s, nats-server's CPU for the two readers fell from ~75 to
 * ~22 us per line (`deno task bench persistence`; a pull waiting 10 ms for more: ~25-35). The
 * price is up to 50 ms before a line reaches the chat log file, which nobody waits for.
 */
function attach<T>(
  context: StreamReaderContext,
  spec: StreamReaderSpec<T>,
  handler: (value: T, delivery: DurableDelivery) => void | Promise<void>,
): { ended: Promise<unknown>; detach: () => void } {
  const { nc } = context;
  const ended = Promise.withResolvers<unknown>();
  let done = false;
  const inboxPrefix = (nc as unknown as { options?: { inboxPrefix?: string } }).options
    ?.inboxPrefix;
  // Not nats.js's createInbox: core/bus loads nats.js only on first connect (plugins' describe
  // runs never load it), so nothing here imports its values.
  const inbox = `${inboxPrefix ?? "_INBOX"}.${crypto.randomUUID().replaceAll("-", "")}`;
  const next = `$JS.API.CONSUMER.MSG.NEXT.${spec.stream}.${spec.name}`;
  const request = new TextEncoder().encode(JSON.stringify({
    batch: PULL_BATCH,
    no_wait: true,
  }));
  let expectedDelivery = 1;
  /** When the pull now outstanding was sent (0: none). */
  let pulledAt = 0;
  let receivedInPull = 0;
  const finish = (reason: unknown) => {
    if (done) return;
    done = true;
    clearInterval(timer);
    sub.unsubscribe();
    ended.resolve(reason);
  };
  const pull = () => {
    if (done || nc.isClosed()) return;
    if (pulledAt !== 0) {
      if (performance.now() - pulledAt < PULL_LOST_MS) return;
      // Unanswered: lost with a reconnect, or the consumer is gone (nats-server restarted: the
      // consumer lived in its memory). A pull to a missing consumer gets no answer at all (no
      // 503: JetStream's API import takes the subject), so attach again from the cursor.
      return finish(new Error(`pull from ${spec.name} unanswered for ${PULL_LOST_MS} ms`));
    }
    pulledAt = performance.now();
    receivedInPull = 0;
    nc.publish(next, request, { reply: inbox });
  };
  const sub = nc.subscribe(inbox, {
    callback: (error, msg) => {
      if (done) return;
      if (error) return finish(error);
      const status = msg.headers?.code ?? 0;
      if (status !== 0 || msg.data.length === 0 && msg.headers) {
        if (status === 100) return; // idle heartbeat or flow control: none are asked for
        if (status === 404 || status === 408) {
          // The pull is over (no_wait: nothing now, or nothing after what came): the next tick
          // asks again.
          pulledAt = 0;
          return;
        }
        // 409 (consumer deleted, or a limit), 503 (no responders), anything else: attach again.
        return finish(new Error(`pull from ${spec.name}: ${status} ${msg.headers?.description}`));
      }
      const info = deliveryInfo(msg.reply);
      // AckPolicy.None: nothing is redelivered, so a skipped delivery is a lost message.
      if (!info || info.deliverySequence !== expectedDelivery) {
        return finish(new Error(`${spec.name}: delivery ${info?.deliverySequence} out of order`));
      }
      expectedDelivery++;
      try {
        const result = deliver(context, spec, msg.subject, info.streamSequence, msg.data, handler);
        if (result) result.catch(finish);
      } catch (error) {
        return finish(error);
      }
      // A full batch ends the pull; more is waiting (catching up): ask at once.
      if (++receivedInPull >= PULL_BATCH) {
        pulledAt = 0;
        pull();
      }
    },
  });
  const timer = setInterval(pull, PULL_INTERVAL_MS);
  pull();
  return { ended: ended.promise, detach: () => finish(undefined) };
}

/** How often a reader asks for what the stream gained (ms). */
const PULL_INTERVAL_MS = 50;
/** Messages per pull at most. */
const PULL_BATCH = 1024;
/** A pull unanswered this long was lost (a reconnect, a lost consumer): attach again. */
const PULL_LOST_MS = 2000;

/**
 * Stream and delivery sequence of a JetStream message, from its reply subject, in either form the
 * server sends (nats.js `parseInfo`, ADR-15):
 * `$JS.ACK.<stream>.<consumer>.<count>.<streamSeq>.<deliverySeq>.<time>.<pending>`, or with
 * `<domain>.<account hash>` after `ACK` and a random token at the end.
 */
function deliveryInfo(
  reply: string | undefined,
): { streamSequence: number; deliverySequence: number } | undefined {
  if (!reply) return undefined;
  const tokens = reply.split(".");
  if (tokens[0] !== "$JS" || tokens[1] !== "ACK") return undefined;
  const at = tokens.length === 9 ? 5 : 7;
  const streamSequence = Number(tokens[at]);
  const deliverySequence = Number(tokens[at + 1]);
  if (!Number.isInteger(streamSequence) || !Number.isInteger(deliverySequence)) return undefined;
  return { streamSequence, deliverySequence };
}

/** Deletes the consumer `spec.name` (if any) and creates it again starting at `start`. */
async function replaceConsumer<T>(
  context: StreamReaderContext,
  spec: StreamReaderSpec<T>,
  start: number,
): Promise<void> {
  const jsm = await context.manager();
  await jsm.consumers.delete(spec.stream, spec.name).catch((error) => {
    if (!/not found/i.test((error as Error).message)) throw error;
  });
  const { AckPolicy, DeliverPolicy } = await context.jetstream();
  await jsm.consumers.add(spec.stream, {
    name: spec.name,
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: start,
    mem_storage: true,
    // One copy: the reader keeps its own cursor and makes the consumer again on any trouble, so
    // replicas would buy nothing; on a cluster an R1 consumer needs no election of its own after a
    // node dies (an R3 one was seen to stay leaderless for 40 s after a kill -9 in
    // tests/cluster/components_on_cluster_test.ts).
    num_replicas: 1,
    inactive_threshold: INACTIVE_THRESHOLD_MS * NANOS_PER_MS,
    ...(spec.filterSubject ? { filter_subject: spec.filterSubject } : {}),
  });
}

/** Validates and hands one message to the handler; returns the handler's promise, if any. */
function deliver<T>(
  context: StreamReaderContext,
  spec: StreamReaderSpec<T>,
  subject: string,
  seq: number,
  data: Uint8Array,
  handler: (value: T, delivery: DurableDelivery) => void | Promise<void>,
): void | Promise<void> {
  let value: T;
  try {
    const parsed = parseJson(data);
    value = spec.schema ? validate(spec.schema, parsed, subject) : parsed as T;
  } catch (error) {
    context.counters.invalid++;
    context.log.warn("invalid stream message passed over", {
      subject,
      seq,
      error: (error as Error).message,
    });
    return;
  }
  context.counters.durableDelivered++;
  return handler(value, { subject, seq, redelivered: false });
}
