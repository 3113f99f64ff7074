/**
 * The `say` queue: Rosey's outbound queue (web `POST /api/say`, polled and sent with up to 3
 * retries; NOTES-CYTUBE.md D) as a persisted outbox. Each line is written to
 * `.rosey/web/outbox.json` before it is acknowledged, then sent as a request on the
 * connector's `chat` action subject, which answers once the platform confirmed (or refused).
 *
 * Exactly once: a line is sent again only when it certainly did not reach the platform (no
 * connector answered, or it answered `not_connected`), at most 3 more times, with backoff. A
 * line whose fate is unknown (our request timed out, the connector's own wait timed out, or
 * the service stopped while sending) is marked `unconfirmed` and never sent again: a lost line
 * is visible in `/api/outbound/recent`; a doubled line could not be taken back.
 */
import {
  ActionResultSchema,
  BusRequestError,
  type Delivery,
  type EventBus,
  type Logger,
  requestAction,
  silentLogger,
  subjects,
} from "@quicksilver/core";
import { z } from "zod";
import { readStateFile, writeStateFile } from "./_state_file.ts";

export const OUTBOUND_STATES = ["queued", "sending", "sent", "failed", "unconfirmed"] as const;

const OutboundItemSchema = z.object({
  id: z.string(),
  platform: z.string(),
  channel: z.string(),
  text: z.string(),
  queuedBy: z.string(),
  queuedAt: z.number(),
  state: z.enum(OUTBOUND_STATES),
  attempts: z.number().int(),
  nextAttemptAt: z.number().optional(),
  sentAt: z.number().optional(),
  error: z.string().optional(),
});
export type OutboundItem = z.infer<typeof OutboundItemSchema>;

const OutboxFileSchema = z.object({ items: z.array(OutboundItemSchema) });

/** Rosey: up to 3 retries. */
const MAX_ATTEMPTS = 4;
/** Finished lines kept for `/api/outbound/recent`. */
const KEEP_FINISHED = 200;

export interface SayOutboxOptions {
  /** How long to wait for the connector's answer; it waits up to 8 s for the platform. */
  requestTimeoutMs?: number;
  /** First retry delay; doubles each time. Default 2000 ms. */
  retryDelayMs?: number;
  /** `nats.delivery`: a core request (`live`, default) or through `ROSEY_ACTIONS` (`durable`). */
  delivery?: Delivery;
  logger?: Logger;
}

export class SayOutbox {
  readonly #bus: EventBus;
  readonly #path: string;
  readonly #log: Logger;
  readonly #timeoutMs: number;
  readonly #retryMs: number;
  readonly #delivery: Delivery;
  #items: OutboundItem[];
  #wake: PromiseWithResolvers<void> = Promise.withResolvers();
  readonly #stop = new AbortController();
  #loop: Promise<void> = Promise.resolve();

  private constructor(bus: EventBus, path: string, items: OutboundItem[], o: SayOutboxOptions) {
    this.#bus = bus;
    this.#path = path;
    this.#items = items;
    this.#log = (o.logger ?? silentLogger).child({ component: "web" });
    this.#timeoutMs = o.requestTimeoutMs ?? 10_000;
    this.#retryMs = o.retryDelayMs ?? 2000;
    this.#delivery = o.delivery ?? "live";
  }

  /** Opens `<dir>/outbox.json` and starts sending what is queued. */
  static async open(bus: EventBus, dir: string, options: SayOutboxOptions = {}) {
    const path = `${dir}/outbox.json`;
    const file = await readStateFile(path, OutboxFileSchema, { items: [] });
    // A line that was being sent when the service stopped may or may not have gone out.
    for (const item of file.items) {
      if (item.state === "sending") {
        item.state = "unconfirmed";
        item.error = "the web service stopped while sending it";
      }
    }
    const outbox = new SayOutbox(bus, path, file.items, options);
    await outbox.#save();
    outbox.#loop = outbox.#run();
    return outbox;
  }

  /** Queues a line (persisted before this resolves). */
  async enqueue(
    line: { platform: string; channel: string; text: string },
    queuedBy: string,
  ): Promise<OutboundItem> {
    const item: OutboundItem = {
      id: crypto.randomUUID(),
      ...line,
      queuedBy,
      queuedAt: Date.now(),
      state: "queued",
      attempts: 0,
    };
    this.#items.push(item);
    await this.#save();
    this.#wake.resolve();
    return { ...item };
  }

  /** The newest lines first, at most `limit`. */
  recent(limit = 50): OutboundItem[] {
    return this.#items.slice(-limit).reverse().map((item) => ({ ...item }));
  }

  async close(): Promise<void> {
    this.#stop.abort();
    this.#wake.resolve();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      const now = Date.now();
      const due = this.#items.find((i) => i.state === "queued" && (i.nextAttemptAt ?? 0) <= now);
      if (due) {
        await this.#send(due);
        continue;
      }
      const next = Math.min(
        ...this.#items.filter((i) => i.state === "queued").map((i) => i.nextAttemptAt ?? now),
      );
      this.#wake = Promise.withResolvers();
      const timer = Number.isFinite(next)
        ? setTimeout(() => this.#wake.resolve(), Math.max(0, next - now))
        : undefined;
      await this.#wake.promise;
      clearTimeout(timer);
    }
  }

  async #send(item: OutboundItem): Promise<void> {
    item.state = "sending";
    item.attempts++;
    await this.#save();
    let retry = false;
    try {
      const result = await requestAction(
        this.#bus,
        subjects.platformAction(item.platform, "chat"),
        { channel: item.channel, text: item.text, origin: "web" },
        {
          timeoutMs: this.#timeoutMs,
          schema: ActionResultSchema,
          delivery: this.#delivery,
          // One id per attempt: a retry is a new line to send, not a copy to drop.
          messageId: `web-${item.id}-${item.attempts}`,
        },
      );
      if (result.ok) {
        item.state = "sent";
        item.sentAt = Date.now();
        delete item.error;
      } else {
        item.error = `${result.error.code}: ${result.error.message}`;
        // Only not_connected says the line certainly went nowhere; a timeout or failure of
        // the connector's own wait may have reached the channel.
        retry = result.error.code === "not_connected";
        item.state = result.error.code === "timeout" || result.error.code === "failed"
          ? "unconfirmed"
          : "failed";
      }
    } catch (error) {
      const code = error instanceof BusRequestError ? error.code : "failed";
      item.error = error instanceof Error ? error.message : String(error);
      retry = code === "no-responders" || code === "permission-denied";
      item.state = "unconfirmed";
    }
    if (retry) {
      if (item.attempts < MAX_ATTEMPTS) {
        item.state = "queued";
        item.nextAttemptAt = Date.now() + this.#retryMs * 2 ** (item.attempts - 1);
      } else {
        item.state = "failed";
      }
    }
    if (item.state !== "sent") {
      this.#log.info("say line not sent", {
        platform: item.platform,
        channel: item.channel,
        state: item.state,
        error: item.error,
      });
    }
    this.#trim();
    await this.#save();
  }

  #trim(): void {
    const finished = this.#items.filter((i) => i.state !== "queued" && i.state !== "sending");
    const excess = finished.length - KEEP_FINISHED;
    if (excess <= 0) return;
    const drop = new Set(finished.slice(0, excess));
    this.#items = this.#items.filter((i) => !drop.has(i));
  }

  #save(): Promise<void> {
    return writeStateFile(this.#path, { items: this.#items });
  }
}
