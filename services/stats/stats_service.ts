/**
 * The stats service: a durable JetStream consumer on `ROSEY_EVENTS` feeds
 * {@linkcode applyEvent}, the state is saved to a JSON file (atomically, with the last applied
 * stream sequence) before each event is acknowledged, and `stats` / `user <name>` are answered
 * by request/reply on `rosey.stats.query.channel|user`.
 *
 * Why a file and not only the consumer position: the position says what was read, the file
 * holds what it added up to; saving before acking means a crash at any point loses nothing,
 * and the saved sequence makes a redelivered event count once.
 */
import {
  type BusSubscription,
  ChannelStatsQuerySchema,
  type ChannelStatsReply,
  consumeEvents,
  type DurableConsumer,
  type DurableDelivery,
  type Envelope,
  errorText,
  type EventBus,
  GroupCommit,
  type Logger,
  SequenceWatch,
  silentLogger,
  STATS_QUERIES,
  subjects,
  UserStatsQuerySchema,
  type UserStatsReply,
} from "@quicksilver/core";
import { StatsStateError } from "./errors.ts";
import {
  applyEvent,
  channelSummary,
  emptyStatsState,
  type StatsState,
  StatsStateSchema,
  userSummary,
} from "./stats_state.ts";

/** The default durable consumer name (the stats role may read this one only). */
export const STATS_DURABLE = "stats";

export interface StatsServiceOptions {
  /** Where the state file lives, e.g. `.rosey/stats`. */
  dir: string;
  durable?: string;
  logger?: Logger;
  now?: () => number;
}

export class StatsService {
  readonly statePath: string;
  readonly #bus: EventBus;
  readonly #durable: string;
  readonly #log: Logger;
  readonly #now: () => number;
  #state: StatsState = emptyStatsState();
  #consumer: DurableConsumer | undefined;
  readonly #subscriptions: BusSubscription[] = [];
  /** The last stream sequence applied and saved. */
  readonly #saved = new SequenceWatch();
  /** At most ~10 state writes a second however busy the channel is. */
  readonly #commit = new GroupCommit(() => this.#save(), { minIntervalMs: 100 });

  private constructor(bus: EventBus, options: StatsServiceOptions) {
    this.#bus = bus;
    this.statePath = `${options.dir}/stats.json`;
    this.#durable = options.durable ?? STATS_DURABLE;
    this.#log = (options.logger ?? silentLogger).child({ component: "stats" });
    this.#now = options.now ?? Date.now;
  }

  /**
   * Loads the state file, answers queries, and starts consuming. Rejects with a
   * {@linkcode StatsStateError} when the state file is unreadable.
   */
  static async start(bus: EventBus, options: StatsServiceOptions): Promise<StatsService> {
    const service = new StatsService(bus, options);
    await Deno.mkdir(options.dir, { recursive: true });
    await service.#load();
    service.#subscriptions.push(
      bus.serve(
        subjects.statsQuery(STATS_QUERIES.channel),
        (query): ChannelStatsReply => ({
          ok: true,
          stats: channelSummary(service.#state, query.source),
        }),
        { schema: ChannelStatsQuerySchema },
      ),
      bus.serve(
        subjects.statsQuery(STATS_QUERIES.user),
        (query): UserStatsReply => ({
          ok: true,
          user: userSummary(service.#state, query.source, query.name, service.#now()),
        }),
        { schema: UserStatsQuerySchema },
      ),
    );
    await bus.flush();
    service.#consumer = consumeEvents(
      bus,
      service.#durable,
      (envelope, delivery) => service.#apply(envelope, delivery),
    );
    return service;
  }

  /** The last stream sequence applied and saved. */
  get lastSeq(): number {
    return this.#saved.value;
  }

  /** Resolves once the event with stream sequence `seq` (or a later one) is applied and saved. */
  applied(seq: number, timeoutMs = 10_000): Promise<void> {
    return this.#saved.reach(seq, timeoutMs, "stats");
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#subscriptions.map((sub) => sub.drain()));
    this.#subscriptions.length = 0;
    await this.#consumer?.stop();
    this.#consumer = undefined;
    await this.#commit.flush().catch(() => undefined);
    this.#saved.wakeAll();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Applies in memory at once (in stream order: the consumer starts handlers in order), then
   * waits for the group-committed save that contains it; only then is the event acked. A
   * crash before the save loses nothing: the unacked events are redelivered, and events at or
   * below the saved `lastSeq` are skipped, so none is counted twice.
   */
  #apply(envelope: Envelope, delivery: DurableDelivery): Promise<void> {
    if (delivery.seq <= this.#state.lastSeq) return Promise.resolve();
    applyEvent(this.#state, envelope);
    this.#state.lastSeq = delivery.seq;
    return this.#commit.request();
  }

  async #load(): Promise<void> {
    let text: string;
    try {
      text = await Deno.readTextFile(this.statePath);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw new StatsStateError(`stats: cannot read ${this.statePath}: ${errorText(error)}`, {
        cause: error,
      });
    }
    try {
      this.#state = StatsStateSchema.parse(JSON.parse(text));
    } catch (error) {
      throw new StatsStateError(
        `stats: ${this.statePath} is not a valid stats state (${errorText(error)}); restore ` +
          `it from a backup, or move it aside to start counting from zero`,
        { cause: error },
      );
    }
    this.#saved.advance(this.#state.lastSeq);
    this.#log.info("stats state loaded", { lastSeq: this.#state.lastSeq });
  }

  async #save(): Promise<void> {
    const text = JSON.stringify(this.#state); // the snapshot: taken before the first await
    const seq = this.#state.lastSeq;
    const tmp = `${this.statePath}.tmp`;
    await Deno.writeTextFile(tmp, text);
    await Deno.rename(tmp, this.statePath);
    this.#saved.advance(seq);
  }
}
