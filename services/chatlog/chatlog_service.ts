/**
 * Chat and media logs as files, fed by JetStream: the service reads `ROSEY_EVENTS` from its own
 * cursor (a consumer without acks, see `readEvents`), so a line is never lost when this process,
 * the connector or nats-server restarts (it reads on from the cursor), and never written twice.
 *
 * Two records of the position. The shared cursor is in the services' KV bucket
 * (`rosey_services`, key `chatlog.<instance>`: the last stream sequence logged and what each
 * media log last logged), saved at most once a second and at `close()`; it is what lets the chat
 * log move: started on another host (another log dir), it continues in that host's files from the
 * KV cursor + 1. The files' own record stays beside them (below), because only this host's files
 * can be repaired with it. At start the later of the two wins: this host's record when it ran last
 * (the KV cursor may lag it by up to a second after a crash), the KV cursor when another host ran
 * since (this host's files then skip what the other host's files hold). So no line is written
 * twice into one file and none is skipped across the hosts' files.
 *
 * Exactly once, by stream sequence: after appending lines the service records the stream
 * sequence and every file's size in this host's cursor file (written atomically). Lines are
 * group-committed: events arriving while a write runs are appended together by the next one (one
 * append per file and one cursor write per batch, not per line), and nothing waits for the
 * write but the write itself: the server keeps no acks, the command path never waits on disk.
 * A crash between the append and the cursor leaves a line the cursor does not know: at start
 * the file is cut back to the recorded size, and reading resumes at the recorded sequence + 1,
 * so the line is written again. A failed write forgets its batch and reads again from the
 * cursor. A delivery at or below the sequence already applied is skipped.
 *
 * Files: `<dir>/<platform>/<channel>/chat.log` (chat and PMs) and `media.log`. A media change
 * that repeats what the media log last recorded (same item: the connector re-announces what is
 * playing whenever it rejoins) is not logged again.
 */
import {
  type DurableConsumer,
  type DurableDelivery,
  type Envelope,
  errorText,
  EVENT_TYPES,
  type EventBus,
  GroupCommit,
  type Logger,
  MediaChangePayloadSchema,
  MessagePayloadSchema,
  readEvents,
  SequenceWatch,
  ServiceState,
  silentLogger,
  type Source,
} from "@quicksilver/core";
import { z } from "zod";
import { ChatLogStateError } from "./errors.ts";
import { chatLine, mediaLine, pmLine } from "./log_format.ts";

/** The default consumer name on `ROSEY_EVENTS` (the chatlog role may read this one only). */
export const CHATLOG_CONSUMER = "chatlog";
/** The service's name in the services' KV bucket: its keys are `chatlog.<instance>`. */
export const CHATLOG_SERVICE = "chatlog";
/** This host's record of its files (sizes) and of the sequence they reach. */
const CURSOR_FILE = ".chatlog-cursor.json";
/** At most one KV put of the shared cursor a second, never one per line. */
const SHARED_SAVE_INTERVAL_MS = 1000;

/** The shared cursor, in KV: where any host's chat log continues. */
const SharedCursorSchema = z.object({
  lastSeq: z.number().int().nonnegative(),
  playing: z.record(z.string(), z.string()).default({}),
});
type SharedCursor = z.infer<typeof SharedCursorSchema>;

const CursorSchema = z.object({
  lastSeq: z.number().int().nonnegative(),
  /** Size in bytes of each log file (relative path) after the last recorded line. */
  sizes: z.record(z.string(), z.number().int().nonnegative()),
  /** Per media log: what it last logged (`type:id#uid`), to skip a rejoin's re-announcement. */
  playing: z.record(z.string(), z.string()).default({}),
});
type Cursor = z.infer<typeof CursorSchema>;

export interface ChatLogOptions {
  /** The log directory, e.g. `.rosey/logs`. */
  dir: string;
  /**
   * The consumer's name on the server, and the instance's key in the services' bucket
   * (`chatlog.<consumer>`). Default `chatlog`.
   */
  consumer?: string;
  /**
   * Read from this stream sequence at start instead of the cursor's next one (a replay: what the
   * cursor already records is skipped, not written again). Default: the cursor + 1.
   */
  from?: number;
  logger?: Logger;
}

export class ChatLogService {
  readonly dir: string;
  readonly #bus: EventBus;
  readonly #consumerName: string;
  #from: number | undefined;
  readonly #log: Logger;
  /** A write failed: deliveries are refused until the reader attaches again at the cursor. */
  #resync = false;
  /** What is on disk (and acked). */
  #cursor: Cursor = { lastSeq: 0, sizes: {}, playing: {} };
  /** Applied in memory, not yet written: the lines per file and the sequence they reach. */
  #pending: { lastSeq: number; lines: Map<string, string[]>; playing: Record<string, string> } = {
    lastSeq: 0,
    lines: new Map(),
    playing: {},
  };
  readonly #commit = new GroupCommit(() => this.#write(), { minIntervalMs: 50 });
  readonly #store: ServiceState;
  /** The shared cursor as last saved to KV (-1: never). */
  #sharedSeq = -1;
  readonly #share = new GroupCommit(() => this.#saveShared(), {
    minIntervalMs: SHARED_SAVE_INTERVAL_MS,
  });
  #closed = false;
  #consumer: DurableConsumer | undefined;
  /** The last stream sequence on disk (`#cursor.lastSeq`), to wait on. */
  readonly #written = new SequenceWatch();
  /**
   * Folders made so far: a batch is written 20 times a second, and a `mkdir` per file per batch
   * was ~1.5 % of the core's CPU at 1000 lines/s. Forgotten when a write fails (an operator may
   * have removed a folder).
   */
  readonly #madeDirs = new Set<string>();

  private constructor(bus: EventBus, options: ChatLogOptions) {
    this.#bus = bus;
    this.dir = options.dir;
    this.#consumerName = options.consumer ?? CHATLOG_CONSUMER;
    this.#from = options.from;
    this.#log = (options.logger ?? silentLogger).child({ component: "chatlog" });
    this.#store = ServiceState.of(bus, CHATLOG_SERVICE, this.#consumerName);
  }

  /**
   * Repairs the files against this host's cursor file, takes the later of it and the shared KV
   * cursor, then starts consuming. Rejects with a {@linkcode ChatLogStateError} when either is
   * unreadable.
   */
  static async start(bus: EventBus, options: ChatLogOptions): Promise<ChatLogService> {
    const service = new ChatLogService(bus, options);
    await Deno.mkdir(service.dir, { recursive: true });
    await service.#loadCursor();
    await service.#repairFiles();
    await service.#joinSharedCursor();
    service.#pending.lastSeq = service.#cursor.lastSeq;
    service.#written.advance(service.#cursor.lastSeq);
    service.#pending.playing = { ...service.#cursor.playing };
    service.#consumer = readEvents(
      bus,
      service.#consumerName,
      () => service.#readFrom(),
      (envelope, delivery) => service.#apply(envelope, delivery),
    );
    return service;
  }

  /** The last stream sequence applied (written or skipped). */
  get lastSeq(): number {
    return this.#cursor.lastSeq;
  }

  /** The chat log file of a channel. */
  chatLogPath(source: Source): string {
    return `${this.dir}/${this.#relative(source, "chat.log")}`;
  }

  /** The media log file of a channel. */
  mediaLogPath(source: Source): string {
    return `${this.dir}/${this.#relative(source, "media.log")}`;
  }

  /** Resolves once the event with stream sequence `seq` (or a later one) is on disk. */
  applied(seq: number, timeoutMs = 10_000): Promise<void> {
    return this.#written.reach(seq, timeoutMs, "chatlog");
  }

  /** The key of this instance's shared cursor in the services' bucket (`chatlog.<instance>`). */
  get cursorKey(): string {
    return this.#store.key;
  }

  /**
   * Stops reading, and saves the shared cursor (where the next start, here or on another host,
   * continues) once what was read is on disk.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#consumer?.stop();
    this.#consumer = undefined;
    await this.#commit.flush().catch(() => undefined);
    await this.#share.flush().catch(() => undefined);
    if (this.#cursor.lastSeq !== this.#sharedSeq) {
      await this.#share.request().catch((error) => {
        this.#log.error("chat log cursor not saved to KV at close", {
          key: this.#store.key,
          error: errorText(error),
        });
      });
    }
    this.#written.wakeAll();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Where the reader (re)attaches: the first sequence not applied yet. */
  #readFrom(): number {
    this.#resync = false;
    const from = this.#from ?? this.#pending.lastSeq + 1;
    this.#from = undefined;
    return from;
  }

  /**
   * Takes the event into the next batch at once (events come in stream order) and resolves
   * when the batch holding it is on disk and recorded. A rejection (the write failed) makes the
   * reader attach again at the cursor.
   */
  #apply(envelope: Envelope, delivery: DurableDelivery): Promise<void> {
    if (this.#resync) {
      return Promise.reject(new ChatLogStateError("chatlog: reading again from the cursor"));
    }
    const pending = this.#pending;
    if (delivery.seq <= pending.lastSeq) return Promise.resolve();
    pending.lastSeq = delivery.seq;
    const entry = this.#lineOf(envelope);
    // The connector announces what is playing each time it (re)joins: not a change.
    const repeat = entry?.playing !== undefined && pending.playing[entry.file] === entry.playing;
    if (entry && !repeat) {
      const lines = pending.lines.get(entry.file) ?? [];
      lines.push(entry.line);
      pending.lines.set(entry.file, lines);
      if (entry.playing !== undefined) pending.playing[entry.file] = entry.playing;
    }
    return this.#commit.request();
  }

  /** One batch: append each file's lines, then record sizes and sequence, then wake waiters. */
  async #write(): Promise<void> {
    // The snapshot, taken before the first await: later events go to the next batch.
    const lastSeq = this.#pending.lastSeq;
    const playing = { ...this.#pending.playing };
    const batch = [...this.#pending.lines];
    this.#pending.lines = new Map();
    const sizes = { ...this.#cursor.sizes };
    try {
      for (const [file, lines] of batch) {
        const bytes = new TextEncoder().encode(lines.join("\n") + "\n");
        const path = `${this.dir}/${file}`;
        const folder = path.slice(0, path.lastIndexOf("/"));
        if (!this.#madeDirs.has(folder)) {
          await Deno.mkdir(folder, { recursive: true });
          this.#madeDirs.add(folder);
        }
        const before = sizes[file] ?? await sizeOf(path);
        await Deno.writeFile(path, bytes, { append: true });
        sizes[file] = before + bytes.length;
      }
      const next = { lastSeq, sizes, playing };
      if (batch.length > 0 || lastSeq > this.#cursor.lastSeq) await this.#saveCursor(next);
      this.#cursor = next;
      this.#requestShare();
    } catch (error) {
      // Cut back what this batch appended and forget the batch: the reader attaches again at
      // the cursor (the rejection tells it), refusing deliveries until then, so they come again.
      this.#resync = true;
      this.#madeDirs.clear();
      await this.#repairFiles().catch(() => undefined);
      this.#pending = {
        lastSeq: this.#cursor.lastSeq,
        lines: new Map(),
        playing: { ...this.#cursor.playing },
      };
      throw error;
    }
    this.#written.advance(lastSeq);
  }

  /** Saves the shared cursor soon (at most once a second); a failure asks again. */
  #requestShare(): void {
    if (this.#closed) return;
    this.#share.request().catch((error) => {
      this.#log.error("chat log cursor not saved to KV; trying again", {
        key: this.#store.key,
        error: errorText(error),
      });
      this.#requestShare();
    });
  }

  async #saveShared(): Promise<void> {
    const shared: SharedCursor = { lastSeq: this.#cursor.lastSeq, playing: this.#cursor.playing };
    if (shared.lastSeq === this.#sharedSeq) return;
    await this.#store.save(new TextEncoder().encode(JSON.stringify(shared)));
    this.#sharedSeq = shared.lastSeq;
  }

  /**
   * Takes the shared cursor when it is ahead of this host's files (another host logged since),
   * and saves this host's into KV when KV has none yet (the first start with KV: the cursor file
   * of an earlier version is moved there once) or an older one.
   */
  async #joinSharedCursor(): Promise<void> {
    let shared: SharedCursor | undefined;
    try {
      const saved = await this.#store.load();
      if (saved) shared = SharedCursorSchema.parse(JSON.parse(new TextDecoder().decode(saved)));
    } catch (error) {
      throw new ChatLogStateError(
        `chatlog: cannot read its shared cursor (key ${this.#store.key} of the services' KV ` +
          `bucket): ${errorText(error)}; check that nats-server runs with JetStream and that the ` +
          `core streams were created (deno task dev / deno task start create them)`,
        { cause: error },
      );
    }
    if (shared && shared.lastSeq > this.#cursor.lastSeq) {
      this.#log.info("continuing from the shared cursor (another host logged since)", {
        key: this.#store.key,
        from: shared.lastSeq + 1,
        thisHostsFilesReach: this.#cursor.lastSeq,
      });
      this.#cursor = { ...this.#cursor, lastSeq: shared.lastSeq, playing: shared.playing };
      this.#sharedSeq = shared.lastSeq;
      return;
    }
    if (shared) this.#sharedSeq = shared.lastSeq;
    if (this.#cursor.lastSeq > (shared?.lastSeq ?? 0)) await this.#saveShared();
  }

  #lineOf(envelope: Envelope): { file: string; line: string; playing?: string } | undefined {
    const { source, time, type } = envelope;
    try {
      switch (type) {
        case EVENT_TYPES.message:
          return {
            file: this.#relative(source, "chat.log"),
            line: chatLine(time, MessagePayloadSchema.parse(envelope.payload)),
          };
        case EVENT_TYPES.privateMessage:
          return {
            file: this.#relative(source, "chat.log"),
            line: pmLine(time, MessagePayloadSchema.parse(envelope.payload)),
          };
        case EVENT_TYPES.botMessage: {
          // The bot's own chat and PM replies, so the log reads as the channel did.
          const message = MessagePayloadSchema.parse(envelope.payload);
          return {
            file: this.#relative(source, "chat.log"),
            line: message.to === undefined ? chatLine(time, message) : pmLine(time, message),
          };
        }
        case EVENT_TYPES.mediaChange: {
          const change = MediaChangePayloadSchema.parse(envelope.payload);
          return {
            file: this.#relative(source, "media.log"),
            line: mediaLine(time, change),
            playing: `${change.media.type}:${change.media.id}#${change.uid ?? ""}`,
          };
        }
        default:
          return undefined;
      }
    } catch (error) {
      // A bad payload will not get better by redelivery: skip it, loudly.
      this.#log.warn("event not logged: invalid payload", { type, error: errorText(error) });
      return undefined;
    }
  }

  /** `<platform>/<channel>/<file>`, the channel made safe as one path segment. */
  #relative(source: Source, file: string): string {
    const channel = source.channel.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^\.+/, "_");
    return `${source.platform}/${channel}/${file}`;
  }

  async #loadCursor(): Promise<void> {
    const path = `${this.dir}/${CURSOR_FILE}`;
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw new ChatLogStateError(`chatlog: cannot read ${path}: ${errorText(error)}`, {
        cause: error,
      });
    }
    try {
      this.#cursor = CursorSchema.parse(JSON.parse(text));
    } catch (error) {
      throw new ChatLogStateError(
        `chatlog: ${path} is not a valid cursor (${errorText(error)}); move it aside to start ` +
          `over (lines already written may then be written again)`,
        { cause: error },
      );
    }
  }

  async #saveCursor(cursor: Cursor): Promise<void> {
    const path = `${this.dir}/${CURSOR_FILE}`;
    await Deno.writeTextFile(`${path}.tmp`, JSON.stringify(cursor));
    await Deno.rename(`${path}.tmp`, path);
  }

  /** Cuts each file back to its recorded size (a line written, not recorded, before a crash). */
  async #repairFiles(): Promise<void> {
    const sizes = { ...this.#cursor.sizes };
    for (const [file, recorded] of Object.entries(sizes)) {
      const path = `${this.dir}/${file}`;
      const actual = await sizeOf(path);
      if (actual > recorded) {
        await Deno.truncate(path, recorded);
        this.#log.info("removed an unrecorded line; it will be written again", { file });
      } else if (actual < recorded) {
        // Rotated or truncated by the operator: carry on from what is there.
        sizes[file] = actual;
      }
    }
    this.#cursor = { ...this.#cursor, sizes };
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
}
