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
import type {
  ConsumerMessages,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { parseJson, validate, type Validator } from "../events/json.ts";
import type { Logger } from "../log/mod.ts";
import type { BusCounters } from "./counters.ts";
import type { DurableConsumer, DurableDelivery } from "./durable_streams.ts";

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
  client: () => Promise<JetStreamClient>;
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
  const onGlobalStop = () => stop.abort();
  context.stopSignal.addEventListener("abort", onGlobalStop);
  let current: ConsumerMessages | undefined;
  const loop = (async () => {
    let failures = 0;
    while (!stop.signal.aborted && !nc.isClosed()) {
      let failure: unknown;
      try {
        const start = Math.max(1, spec.from());
        await replaceConsumer(context, spec, start);
        const consumer = await (await context.client()).consumers.get(spec.stream, spec.name);
        let expectedDelivery = 1;
        const messages = await consumer.consume({
          max_messages: 256,
          idle_heartbeat: 2000,
          abort_on_missing_resource: true,
          callback: (msg: JsMsg) => {
            if (failure !== undefined) return;
            const fail = (error: unknown) => {
              failure ??= error;
              messages.close().catch(() => undefined);
            };
            // AckPolicy.None: nothing is redelivered, so a skipped delivery is a lost message.
            if (msg.info.deliverySequence !== expectedDelivery) {
              return fail(new Error(`delivery ${msg.info.deliverySequence} skipped to`));
            }
            expectedDelivery++;
            try {
              const result = deliver(context, spec, msg, handler);
              if (result) result.catch(fail);
            } catch (error) {
              fail(error);
            }
          },
        });
        current = messages;
        failures = 0;
        // A lost consumer (nats-server restarted, someone deleted it) ends this attachment.
        (async () => {
          for await (const status of messages.status()) {
            if (
              status.type === "consumer_deleted" || status.type === "consumer_not_found" ||
              status.type === "stream_not_found" ||
              (status.type === "heartbeats_missed" && status.count >= 2)
            ) {
              failure ??= new Error(`consumer ${spec.name}: ${status.type}`);
              await messages.close().catch(() => undefined);
              return;
            }
          }
        })().catch(() => undefined);
        if (stop.signal.aborted) await messages.close().catch(() => undefined);
        const ended = await messages.closed();
        if (failure === undefined && ended instanceof Error) failure = ended;
        if (stop.signal.aborted || nc.isClosed()) break;
        if (failure !== undefined) throw failure;
      } catch (error) {
        if (stop.signal.aborted || nc.isClosed()) break;
        failures++;
        if (failures === 1 || failures % 20 === 0) {
          log.warn("stream reader interrupted; attaching again at its cursor", {
            stream: spec.stream,
            consumer: spec.name,
            error: (error as Error).message,
          });
        }
      }
      await sleep(Math.min(100 * 2 ** Math.min(failures, 4), 2000), stop.signal).catch(() => {});
    }
  })();
  return {
    stop: async () => {
      stop.abort();
      context.stopSignal.removeEventListener("abort", onGlobalStop);
      await current?.close().catch(() => undefined);
      await loop;
    },
  };
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
    inactive_threshold: INACTIVE_THRESHOLD_MS * NANOS_PER_MS,
    ...(spec.filterSubject ? { filter_subject: spec.filterSubject } : {}),
  });
}

/** Validates and hands one message to the handler; returns the handler's promise, if any. */
function deliver<T>(
  context: StreamReaderContext,
  spec: StreamReaderSpec<T>,
  msg: JsMsg,
  handler: (value: T, delivery: DurableDelivery) => void | Promise<void>,
): void | Promise<void> {
  let value: T;
  try {
    const parsed = parseJson(msg.data);
    value = spec.schema ? validate(spec.schema, parsed, msg.subject) : parsed as T;
  } catch (error) {
    context.counters.invalid++;
    context.log.warn("invalid stream message passed over", {
      subject: msg.subject,
      seq: msg.seq,
      error: (error as Error).message,
    });
    return;
  }
  context.counters.durableDelivered++;
  return handler(value, { subject: msg.subject, seq: msg.seq, redelivered: false });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
