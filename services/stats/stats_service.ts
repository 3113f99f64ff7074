/**
 * The stats service: `ROSEY_EVENTS`, read from the service's own cursor (a consumer without
 * acks, see `readEvents`), feeds {@linkcode applyEvent}; the state, with the last applied stream
 * sequence (the cursor) in it, is saved to the services' KV bucket (`rosey_services`, key
 * `stats.<instance>`), and `stats` / `user <name>` are answered by request/reply on
 * `rosey.stats.query.channel|user`.
 *
 * Why the cursor is in the saved state and not on the server's consumer: the value holds what the
 * events added up to, and the sequence it was saved with is exactly where reading resumes after a
 * crash or a restart, on this host or another: nothing lost, nothing counted twice, and the
 * server keeps no ack state per event. The state is saved at most once a second (one KV put,
 * gzip-compressed JSON), never once per event.
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
  ServiceState,
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
/** The service's name in the services' KV bucket: its keys are `stats.<instance>`. */
export const STATS_SERVICE = "stats";
/** The state file of earlier versions (in `dir`), moved into KV once. */
const LEGACY_STATE_FILE = "stats.json";
/** At most one KV put a second, however busy the channel is. */
const SAVE_INTERVAL_MS = 1000;

export interface StatsServiceOptions {
  /**
   * Where earlier versions kept `stats.json`, e.g. `.rosey/state/stats`: moved into KV at the
   * first start (and renamed `stats.json.migrated`). Optional: the state lives in KV.
   */
  dir?: string;
  /**
   * The consumer's name on the server, and the instance's key in the services' bucket
   * (`stats.<consumer>`). Default `stats`.
   */
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
  /** Where an old state file is looked for (migrated once), if a `dir` was given. */
  readonly legacyStatePath: string | undefined;
  readonly #bus: EventBus;
  readonly #store: ServiceState;
  readonly #consumerName: string;
  #from: number | undefined;
  readonly #log: Logger;
  readonly #now: () => number;
  #state: StatsState = emptyStatsState();
  #consumer: DurableConsumer | undefined;
  readonly #subscriptions: BusSubscription[] = [];
  /** The last stream sequence applied and saved. */
  readonly #saved = new SequenceWatch();
  readonly #commit = new GroupCommit(() => this.#save(), { minIntervalMs: SAVE_INTERVAL_MS });
  #closed = false;

  private constructor(bus: EventBus, options: StatsServiceOptions) {
    this.#bus = bus;
    this.legacyStatePath = options.dir ? `${options.dir}/${LEGACY_STATE_FILE}` : undefined;
    this.#consumerName = options.consumer ?? STATS_CONSUMER;
    this.#store = ServiceState.of(bus, STATS_SERVICE, this.#consumerName);
    this.#from = options.from;
    this.#log = (options.logger ?? silentLogger).child({ component: "stats" });
    this.#now = options.now ?? Date.now;
  }

  /**
   * Loads the saved state (from KV; an old state file is moved there first), answers queries,
   * and starts consuming. Rejects with a {@linkcode StatsStateError} when the saved state cannot
   * be read or decoded.
   */
  static async start(bus: EventBus, options: StatsServiceOptions): Promise<StatsService> {
    const service = new StatsService(bus, options);
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

  /** The key of this instance's state in the services' bucket (`stats.<instance>`). */
  get stateKey(): string {
    return this.#store.key;
  }

  /** The last stream sequence applied and saved. */
  get lastSeq(): number {
    return this.#saved.value;
  }

  /** Resolves once the event with stream sequence `seq` (or a later one) is applied and saved. */
  applied(seq: number, timeoutMs = 10_000): Promise<void> {
    return this.#saved.reach(seq, timeoutMs, "stats");
  }

  /** Stops answering and reading, then saves what was applied since the last save. */
  async close(): Promise<void> {
    this.#closed = true;
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
   * saved `lastSeq` + 1, and events at or below it are skipped, so none is counted twice.
   */
  #apply(envelope: Envelope, delivery: DurableDelivery): void {
    if (delivery.seq <= this.#state.lastSeq) return;
    applyEvent(this.#state, envelope);
    this.#state.lastSeq = delivery.seq;
    this.#requestSave();
  }

  /** A failed save is logged and asked for again (a second later): it writes the whole state. */
  #requestSave(): void {
    this.#commit.request().catch((error) => {
      this.#log.error("stats state not saved; trying again", {
        key: this.#store.key,
        error: errorText(error),
      });
      if (!this.#closed) this.#requestSave();
    });
  }

  async #load(): Promise<void> {
    let saved: Uint8Array | null;
    try {
      saved = await this.#store.load();
    } catch (error) {
      throw new StatsStateError(
        `stats: cannot read its state (key ${this.#store.key} of the services' KV bucket): ` +
          `${errorText(error)}; check that nats-server runs with JetStream and that the core ` +
          `streams were created (deno task dev / deno task start create them)`,
        { cause: error },
      );
    }
    if (saved) {
      try {
        this.#state = StatsStateSchema.parse(JSON.parse(await gunzipText(saved)));
      } catch (error) {
        throw new StatsStateError(
          `stats: the saved state (key ${this.#store.key} of the services' KV bucket) is not a ` +
            `valid stats state (${errorText(error)})`,
          { cause: error },
        );
      }
    } else if (await this.#migrateFile()) {
      await this.#save();
    }
    this.#saved.advance(this.#state.lastSeq);
    this.#log.info("stats state loaded", { key: this.#store.key, lastSeq: this.#state.lastSeq });
  }

  /** Reads a state file of an earlier version (true if one was there); renamed after the save. */
  async #migrateFile(): Promise<boolean> {
    const path = this.legacyStatePath;
    if (!path) return false;
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw new StatsStateError(`stats: cannot read ${path}: ${errorText(error)}`, {
        cause: error,
      });
    }
    try {
      this.#state = StatsStateSchema.parse(JSON.parse(text));
    } catch (error) {
      throw new StatsStateError(
        `stats: ${path} is not a valid stats state (${errorText(error)}); restore ` +
          `it from a backup, or move it aside to start counting from zero`,
        { cause: error },
      );
    }
    this.#afterSave = async () => {
      await Deno.rename(path, `${path}.migrated`);
      this.#log.info("stats state file moved into KV", { path, key: this.#store.key });
    };
    return true;
  }

  /** Runs once after the next save (the migrated file is renamed only once KV holds it). */
  #afterSave: (() => Promise<void>) | undefined;

  async #save(): Promise<void> {
    const text = JSON.stringify(this.#state); // the snapshot: taken before the first await
    const seq = this.#state.lastSeq;
    await this.#store.save(await gzipText(text));
    const after = this.#afterSave;
    this.#afterSave = undefined;
    await after?.();
    this.#saved.advance(seq);
  }
}

/** gzip: a channel's user records compress ~5-10x, which keeps big channels under 1 MB. */
async function gzipText(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function gunzipText(bytes: Uint8Array): Promise<string> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new DecompressionStream("gzip"),
  );
  return await new Response(stream).text();
}
