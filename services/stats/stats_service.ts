/**
 * The stats service: `ROSEY_EVENTS`, read from the service's own cursor (a consumer without
 * acks, see `readEvents`), feeds {@linkcode applyEvent}; the state is saved to a JSON file
 * (atomically, with the last applied stream sequence: the cursor), and `stats` / `user <name>`
 * are answered by request/reply on `rosey.stats.query.channel|user`.
 *
 * Why the cursor is in the file and not on the server: the file holds what the events added up
 * to, and the sequence it was saved with is exactly where reading resumes after a crash or a
 * restart: nothing lost, nothing counted twice, and the server keeps no ack state per event.
 */
import {
  type BusSubscription,
  ChannelStatsQuerySchema,
  type ChannelStatsReply,
  type DurableConsumer,
  type DurableDelivery,
  type Envelope,
  errorText,
  type EventBus,
  GroupCommit,
  type Logger,
  readEvents,
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

/** The default consumer name on `ROSEY_EVENTS` (the stats role may read this one only). */
export const STATS_CONSUMER = "stats";

export interface StatsServiceOptions {
  /** Where the state file lives, e.g. `.rosey/stats`. */
  dir: string;
  /** The consumer's name on the server. Default `stats`. */
  consumer?: string;
  /**
   * Read from this stream sequence at start instead of the saved one + 1 (a replay: what the
   * state already counts is skipped). Default: the saved sequence + 1.
   */
  from?: number;
  logger?: Logger;
  now?: () => number;
}

export class StatsService {
  readonly statePath: string;
  readonly #bus: EventBus;
  readonly #consumerName: string;
  #from: number | undefined;
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
    this.#consumerName = options.consumer ?? STATS_CONSUMER;
    this.#from = options.from;
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
    service.#consumer = readEvents(
      bus,
      service.#consumerName,
      () => {
        const from = service.#from ?? service.#state.lastSeq + 1;
        service.#from = undefined;
        return from;
      },
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
   * Applies in memory at once (events come in stream order) and asks for the group-committed
   * save; nothing waits for it. A crash before the save loses nothing: reading resumes at the
   * saved `lastSeq` + 1, and events at or below it are skipped, so none is counted twice. A
   * failed save is logged; the next one writes the whole state again.
   */
  #apply(envelope: Envelope, delivery: DurableDelivery): void {
    if (delivery.seq <= this.#state.lastSeq) return;
    applyEvent(this.#state, envelope);
    this.#state.lastSeq = delivery.seq;
    this.#commit.request().catch((error) => {
      this.#log.error("stats state not saved; the next change saves it", {
        path: this.statePath,
        error: errorText(error),
      });
    });
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
