/**
 * Platform actions (`rosey.platform.<platform>.action.<name>`) in either delivery mode
 * (`nats.delivery`, {@linkcode Delivery}): how a connector takes them, how a service sends one
 * and how it asks for one's outcome.
 *
 * In `durable` mode actions live in the `ROSEY_ACTIONS` stream. A request-style action (the
 * moderator's kick, the web's say, which wait for an `ActionResult`) cannot be a core NATS
 * request there: the stream itself would answer the request with its publish ack before the
 * connector could. So the asker publishes into the stream naming, in the
 * {@linkcode ACTION_REPLY_HEADER} header, a subject of its own (`subjects.actionOutcome(platform,
 * asker, id)`, which only that platform's connector may publish and only the asker may read) and
 * waits there; the connector answers there once the action is done, exactly as it answers a core
 * request in `live` mode.
 *
 * @module
 */
import { newEventId } from "../events/envelope.ts";
import { parseJson, validate, type Validator } from "../events/json.ts";
import { STREAMS, subjects } from "../subjects/mod.ts";
import type { Delivery } from "./delivery.ts";
import type { DurableConsumer } from "./durable_streams.ts";
import { BusRequestError, REQUEST_FAILURES } from "./errors.ts";
import type { BusSubscription, EventBus } from "./event_bus.ts";
import type { EventDecodeError } from "../events/errors.ts";

/** The header carrying where a durable action's outcome goes (`subjects.actionOutcome`). */
export const ACTION_REPLY_HEADER = "Rosey-Reply-To";

/** Which actions a connector takes, and how they reach it. */
export interface TakeActionsOptions {
  /** The platform token: actions on `rosey.platform.<platform>.action.*`. */
  platform: string;
  /**
   * The one channel this connector serves. In `durable` mode it names the consumer (one per
   * platform and channel, so several channels' connectors each get their own actions) and
   * actions for any other channel are skipped without an answer: another connector serves them.
   * Omit it for a connector that serves every channel of its platform (IRC's networks).
   */
  channel?: string;
  /** `nats.delivery`; default `live`. */
  delivery?: Delivery;
  /** Called for an action that is not JSON (live mode; durable mode terminates it). */
  onInvalid?: (error: EventDecodeError, context: ActionContext) => void;
}

/** What {@linkcode takeActions} returns: a subscription that can say when it is live. */
export interface ActionSubscription extends BusSubscription {
  /**
   * Resolves once actions are being taken: at once in live mode (after a `flush`), and in
   * durable mode once the consumer exists (it starts at the stream's end, so actions published
   * before this are not this connector's).
   */
  readonly ready: Promise<void>;
}

/** Where an action came from and where its outcome goes. */
export interface ActionContext {
  subject: string;
  /** The action's name: the last token of the subject (`chat`, `pm`, `kick`, ...). */
  action: string;
  /** Where to publish the `ActionResult`, when the sender waits for one. */
  reply?: string;
  /**
   * Durable mode only: the action was handed out before, to this process or to one that died
   * holding it (its ack never came), so it may have been carried out already.
   */
  redelivered?: boolean;
  /** Durable mode only: when `ROSEY_ACTIONS` stored it, ms since the epoch (NATS server clock). */
  storedAt?: number;
}

/** The durable consumer of `ROSEY_ACTIONS` for (platform, channel): `actions_<platform>_<channel>`. */
export function actionConsumerName(platform: string, channel?: string): string {
  const safe = (text: string) =>
    text.toLowerCase().replace(/[^a-z0-9_-]/g, (c) => `-${c.codePointAt(0)!.toString(16)}`);
  return channel === undefined
    ? `actions_${safe(platform)}`
    : `actions_${safe(platform)}_${safe(channel)}`;
}

/**
 * Takes the actions addressed to a connector. `live`: a core NATS subscription to
 * `allPlatformActions(platform)`, as connectors always had. `durable`: the durable consumer
 * {@linkcode actionConsumerName} on `ROSEY_ACTIONS` (created at the stream's end the first
 * time), handlers started in stream order, each action acked once its handler settled; a
 * connector that dies mid-action leaves it to the next one to take this consumer (a standby).
 * The handler's `context.reply` is the asker's inbox in both modes.
 *
 * @example
 * ```ts ignore
 * const sub = takeActions(bus, { platform: "example", channel: "lobby", delivery }, (value, ctx) => {
 *   const result = perform(ctx.action, value);
 *   if (ctx.reply) bus.publish(ctx.reply, result);
 * });
 * await sub.drain();
 * ```
 */
export function takeActions(
  bus: EventBus,
  options: TakeActionsOptions,
  handler: (value: unknown, context: ActionContext) => void | Promise<void>,
): ActionSubscription {
  const subject = subjects.allPlatformActions(options.platform);
  if (options.delivery !== "durable") {
    const sub = bus.subscribe(subject, (value, context) =>
      handler(value, {
        subject: context.subject,
        action: actionOf(context.subject),
        ...(context.reply ? { reply: context.reply } : {}),
      }), {
      ...(options.onInvalid
        ? {
          onInvalid: (error, context) =>
            options.onInvalid!(error, {
              subject: context.subject,
              action: actionOf(context.subject),
              ...(context.reply ? { reply: context.reply } : {}),
            }),
        }
        : {}),
    });
    return Object.assign(sub, { ready: bus.flush() });
  }
  const channel = options.channel?.toLowerCase();
  const performed = new RecentSequences(PERFORMED_MEMORY);
  const consumer: DurableConsumer = bus.durable.consume<unknown>({
    stream: STREAMS.actions,
    durable: actionConsumerName(options.platform, options.channel),
    filterSubject: subject,
    // A new connector starts with what is asked from now on, not with 10 minutes of history.
    deliver: "new",
    // Redelivered (to a standby) this long after a connector stopped telling it is working.
    ackWaitMs: 5000,
    // Lines queue behind the platform's pacing: many may be in hand at once, started in order.
    maxInFlight: 256,
  }, async (value, delivery) => {
    if (channel !== undefined && !isFor(value, channel)) return;
    // A redelivery of an action this process already carried out: its ack was lost (the
    // consumer's leader died with it, measured in `deno task chaos`). Acked again, not redone.
    if (delivery.redelivered && performed.has(delivery.seq)) return;
    const reply = delivery.headers?.[ACTION_REPLY_HEADER];
    await handler(value, {
      subject: delivery.subject,
      action: actionOf(delivery.subject),
      ...(reply ? { reply } : {}),
      ...(delivery.redelivered ? { redelivered: true } : {}),
      ...(delivery.storedAt !== undefined ? { storedAt: delivery.storedAt } : {}),
    });
    performed.add(delivery.seq);
  });
  const closed = Promise.withResolvers<void>();
  const stop = async () => {
    await consumer.stop();
    closed.resolve();
  };
  return {
    subject,
    ready: consumer.ready,
    closed: closed.promise,
    unsubscribe: () => void stop(),
    drain: stop,
  };
}

/** Options of {@linkcode publishAction} and {@linkcode requestAction}. */
export interface SendActionOptions {
  /** `nats.delivery`; default `live`. */
  delivery?: Delivery;
  /**
   * Durable mode: the `Nats-Msg-Id`, so that a copy of this action sent again within 2 minutes
   * (by another dispatcher answering the same event) is dropped. Default: a fresh id.
   */
  messageId?: string;
}

/**
 * Sends an action nobody waits on (a chat line). `live`: a core publish (resolves at once).
 * `durable`: a JetStream publish into `ROSEY_ACTIONS`, resolved once the stream stored it (or
 * found it a duplicate), retried through outages until the bus closes.
 */
export async function publishAction(
  bus: EventBus,
  subject: string,
  value: unknown,
  options: SendActionOptions = {},
): Promise<void> {
  if (options.delivery !== "durable") return bus.publish(subject, value);
  await bus.durable.publish(subject, value, {
    ...(options.messageId ? { messageId: options.messageId } : {}),
  });
}

/**
 * Asks for an action and waits for its `ActionResult`. `live`: a core NATS request. `durable`:
 * a publish into `ROSEY_ACTIONS` naming `subjects.actionOutcome(platform, bus.name, id)` in
 * {@linkcode ACTION_REPLY_HEADER}; the connector answers there. The asker's role must allow
 * subscribing to `subjects.actionOutcomesOf(<its identity>)`. Fails with a {@linkcode BusRequestError} (`timeout`, or
 * `invalid-reply`) like `bus.request`.
 */
export async function requestAction<R>(
  bus: EventBus,
  subject: string,
  value: unknown,
  options: SendActionOptions & { timeoutMs: number; schema?: Validator<R> },
): Promise<R> {
  if (options.delivery !== "durable") {
    return await bus.request(subject, value, {
      timeoutMs: options.timeoutMs,
      ...(options.schema ? { schema: options.schema } : {}),
    });
  }
  const platform = subject.split(".")[2] ?? "";
  const inbox = subjects.actionOutcome(platform, bus.name, newEventId());
  const answer = Promise.withResolvers<Uint8Array>();
  const sub = bus.connection.subscribe(inbox, {
    max: 1,
    callback: (error, msg) => error ? answer.reject(error) : answer.resolve(msg.data),
  });
  const timeout = new AbortController();
  const timedOut = new Promise<never>((_, reject) => {
    timeout.signal.addEventListener("abort", () =>
      reject(
        new BusRequestError(
          REQUEST_FAILURES.timeout,
          subject,
          `no outcome within ${options.timeoutMs} ms`,
        ),
      ), { once: true });
  });
  const timer = setTimeout(() => timeout.abort(), options.timeoutMs);
  try {
    await Promise.race([
      bus.durable.publish(subject, value, {
        messageId: options.messageId ?? newEventId(),
        headers: { [ACTION_REPLY_HEADER]: inbox },
        signal: timeout.signal,
      }),
      timedOut,
    ]);
    const data = await Promise.race([answer.promise, timedOut]);
    try {
      const parsed = parseJson(data);
      return options.schema
        ? validate(options.schema, parsed, `reply from ${subject}`)
        : parsed as R;
    } catch (error) {
      throw new BusRequestError(REQUEST_FAILURES.invalidReply, subject, String(error), {
        cause: error,
      });
    }
  } finally {
    clearTimeout(timer);
    timedOut.catch(() => undefined);
    sub.unsubscribe();
  }
}

function actionOf(subject: string): string {
  return subject.slice(subject.lastIndexOf(".") + 1);
}

function isFor(value: unknown, channel: string): boolean {
  const target = typeof value === "object" && value !== null
    ? (value as { channel?: unknown }).channel
    : undefined;
  // An action without a channel is the connector's to refuse (it says what is missing).
  return typeof target !== "string" || target.toLowerCase() === channel;
}

/** How many carried-out action sequences a connector remembers (minutes of chat at 300/s). */
const PERFORMED_MEMORY = 100_000;

/** A bounded set of stream sequences: the oldest is forgotten first. */
class RecentSequences {
  readonly #seen = new Set<number>();
  constructor(readonly capacity: number) {}

  has(seq: number): boolean {
    return this.#seen.has(seq);
  }

  add(seq: number): void {
    this.#seen.add(seq);
    if (this.#seen.size > this.capacity) {
      this.#seen.delete(this.#seen.values().next().value!);
    }
  }
}
