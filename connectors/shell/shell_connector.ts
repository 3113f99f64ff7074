/**
 * The shell connector: a local console chat, the embedded default of `deno task dev`. You are
 * one user in one channel (`you` in `local`); each line you type becomes the same normalized
 * event a CyTube chat line would, and what the bot says there is printed as `[bot] ...`.
 * Nothing in the router or the plugins knows it is not a real platform, which is the point: a
 * newcomer can try every command with no server of any kind.
 *
 * It takes its input and output as streams so tests (and `printf '!help\n' | deno task dev`)
 * drive it without a TTY.
 */
import {
  type ActionResult,
  ChannelQuerySchema,
  type ChannelSnapshot,
  ChatActionSchema,
  createEnvelope,
  EVENT_TYPES,
  type EventBus,
  type Logger,
  type MessagePayload,
  parseCommand,
  PrivateMessageActionSchema,
  sanitizeChatText,
  silentLogger,
  type Source,
  subjects,
} from "@quicksilver/core";
import {
  type ActionSubscription,
  type BusSubscription,
  compiledValidator,
  type Delivery,
  takeActions,
} from "@quicksilver/core";
import { z } from "zod";
import { readLines } from "./_lines.ts";

export const SHELL_PLATFORM = "shell";

export interface ShellConnectorOptions {
  /** Lines typed by the user (stdin in `deno task dev`). */
  input: ReadableStream<Uint8Array>;
  /** Where the chat is printed (stdout in `deno task dev`); never closed by the connector. */
  output: WritableStream<Uint8Array>;
  /** Your name in the local chat. Default `you`. */
  user?: string;
  /** Your rank; default 3 (admin) so every command can be tried locally. */
  rank?: number;
  /** The channel name. Default `local`. */
  channel?: string;
  /** How the bot's lines are labelled. Default `bot`. */
  botLabel?: string;
  /**
   * The bot's own name here, as the channel snapshot reports it (`/pm <botName> help` reaches
   * the moderator shell). Default `rosey`.
   */
  botName?: string;
  /** Print a one-line "how to use" banner first. Default false. */
  banner?: boolean;
  /**
   * At the end of input, a command that was just sent may still be answered: wait for an
   * answer up to this long (the router's timeout plus a margin). Default 6000 ms.
   */
  replyTimeoutMs?: number;
  /** Then wait until the bot has been quiet this long, for multi-line answers. Default 300 ms. */
  settleMs?: number;
  /** The command prefix, to know which lines expect an answer. Default `!`. */
  commandPrefix?: string;
  /** `nats.delivery`: how actions reach the console (`takeActions`). Default `live`. */
  delivery?: Delivery;
  logger?: Logger;
}

/** Why the shell chat ended: end of input, `/quit`, or `close()`. */
export type ShellStopReason = "eof" | "quit" | "closed";

const USAGE =
  "Type a message or a command (!help). /me <action>, /pm <user> <text>, /quit to leave.";

export class ShellConnector {
  readonly source: Source;
  /** Resolves when the chat ends (after the last answer arrived, at end of input). */
  readonly done: Promise<ShellStopReason>;
  readonly #bus: EventBus;
  readonly #log: Logger;
  readonly #user: string;
  readonly #rank: number;
  readonly #label: string;
  readonly #botName: string;
  readonly #startedAt = Date.now();
  readonly #prefix: string;
  readonly #replyTimeoutMs: number;
  readonly #settleMs: number;
  readonly #delivery: Delivery;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #encoder = new TextEncoder();
  readonly #input: ReadableStream<Uint8Array>;
  readonly #abort = new AbortController();
  readonly #subscriptions: BusSubscription[] = [];
  #actions: ActionSubscription | undefined;
  #writing: Promise<void> = Promise.resolve();
  #resolveDone!: (reason: ShellStopReason) => void;
  #lastOutputAt = 0;
  /** When the last command line was sent, if no output has come since. */
  #awaitingSince: number | undefined;
  #outputWaiters = new Set<() => void>();
  #readLoop: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(bus: EventBus, options: ShellConnectorOptions) {
    this.#bus = bus;
    this.#log = (options.logger ?? silentLogger).child({ component: "shell" });
    this.#user = options.user ?? "you";
    this.#rank = options.rank ?? 3;
    this.#label = options.botLabel ?? "bot";
    this.#botName = options.botName ?? "rosey";
    this.#prefix = options.commandPrefix ?? "!";
    this.#replyTimeoutMs = options.replyTimeoutMs ?? 6000;
    this.#settleMs = options.settleMs ?? 300;
    this.#delivery = options.delivery ?? "live";
    this.source = { platform: SHELL_PLATFORM, channel: options.channel ?? "local" };
    this.#writer = options.output.getWriter();
    this.#input = options.input;
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  /** Subscribes to the shell's actions, then starts reading input. */
  static async start(bus: EventBus, options: ShellConnectorOptions): Promise<ShellConnector> {
    const shell = new ShellConnector(bus, options);
    shell.#subscribe();
    await bus.flush();
    // Durable delivery: the action consumer exists before anyone is told we are up.
    await shell.#actions?.ready;
    if (options.banner) shell.#print(USAGE);
    shell.#readLoop = shell.#read();
    return shell;
  }

  /** Stops reading and listening; the output stream is released, not closed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort();
    this.#resolveDone("closed");
    for (const wake of this.#outputWaiters) wake();
    await Promise.allSettled(this.#subscriptions.map((sub) => sub.drain()));
    await this.#readLoop;
    await this.#writing;
    this.#writer.releaseLock();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #subscribe() {
    const ok = (reply: string | undefined) => {
      if (reply) this.#bus.publish(reply, { ok: true });
    };
    const chat = compiledValidator(ChatActionSchema);
    const pm = compiledValidator(PrivateMessageActionSchema);
    this.#subscriptions.push(
      this.#actions = takeActions(this.#bus, {
        platform: SHELL_PLATFORM,
        channel: this.source.channel,
        delivery: this.#delivery,
      }, (value, context) => {
        if (context.action === "chat") {
          const action = chat.safeParse(value);
          if (!action.success) {
            return this.#log.warn("invalid chat action", { subject: context.subject });
          }
          this.#print(action.data.text);
          return ok(context.reply);
        }
        if (context.action === "pm") {
          const action = pm.safeParse(value);
          if (!action.success) {
            return this.#log.warn("invalid pm action", { subject: context.subject });
          }
          const to = action.data.to === this.#user ? "" : ` to ${sanitizeChatText(action.data.to)}`;
          this.#print(action.data.text, ` (private${to})`);
          return ok(context.reply);
        }
        // A console has no playlist and no one to kick: other actions get a clear refusal
        // instead of a timeout.
        if (!context.reply) return;
        this.#bus.publish(
          context.reply,
          {
            ok: false,
            error: {
              code: "unsupported",
              message: `the shell has no "${context.action}"; try it on CyTube`,
            },
          } satisfies ActionResult,
        );
      }),
      // The moderator shell asks who is here: you, at your rank, and the bot; nothing plays.
      this.#bus.serve(
        subjects.platformState(SHELL_PLATFORM, "snapshot"),
        (): ChannelSnapshot => ({
          source: this.source,
          connected: true,
          server: "local console",
          connectedSince: this.#startedAt,
          startedAt: this.#startedAt,
          self: { name: this.#botName, rank: this.#rank, afk: false },
          users: [
            { name: this.#user, rank: this.#rank, afk: false, muted: false },
            { name: this.#botName, rank: this.#rank, afk: false, muted: false },
          ],
          userCount: 2,
          playlist: [],
        }),
        { schema: ChannelQuerySchema },
      ),
    );
  }

  /**
   * Prints a bot line: `[bot] text` (each line of a multi-line text labelled). Whoever wrote the
   * text (a plugin, or a chat user it quotes), it is data for this terminal: control and bidi
   * characters are removed, so it can neither clear the screen, set the title, nor move the
   * cursor back over the label to forge a line.
   */
  #print(text: string, note = "") {
    this.#lastOutputAt = Date.now();
    this.#awaitingSince = undefined;
    const lines = sanitizeChatText(text).split("\n").map((line) =>
      `[${this.#label}${note}] ${line}\n`
    ).join("");
    this.#write(lines);
    for (const wake of this.#outputWaiters) wake();
  }

  #write(text: string) {
    const bytes = this.#encoder.encode(text);
    this.#writing = this.#writing
      .then(() => this.#writer.write(bytes))
      .catch((error) => this.#log.warn("cannot write to the output", { error: String(error) }));
  }

  async #read(): Promise<void> {
    let reason: ShellStopReason = "eof";
    try {
      for await (const line of readLines(this.#input, this.#abort.signal)) {
        if (this.#handleLine(line) === "quit") {
          reason = "quit";
          break;
        }
      }
    } catch (error) {
      if (!this.#abort.signal.aborted) this.#log.warn("input failed", { error: String(error) });
    }
    if (this.#closed) return;
    if (reason === "eof") await this.#settle();
    this.#resolveDone(reason);
  }

  /** At end of input: wait for the answer to a command just sent, then for quiet. */
  async #settle() {
    const since = this.#awaitingSince;
    if (since !== undefined) {
      const deadline = since + this.#replyTimeoutMs;
      while (this.#awaitingSince !== undefined && Date.now() < deadline && !this.#closed) {
        await this.#nextOutputOr(deadline - Date.now());
      }
    }
    while (!this.#closed) {
      const quietFor = Date.now() - this.#lastOutputAt;
      if (quietFor >= this.#settleMs) return;
      await this.#nextOutputOr(this.#settleMs - quietFor);
    }
  }

  #nextOutputOr(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#outputWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.#outputWaiters.add(done);
    });
  }

  #handleLine(rawLine: string): "quit" | undefined {
    const line = rawLine.replace(/\r$/, "");
    if (!line.trim()) return undefined;
    this.#publishRaw(line);
    if (line.startsWith("/")) {
      const [word = "", ...rest] = line.slice(1).split(" ");
      const text = rest.join(" ").trim();
      switch (word.toLowerCase()) {
        case "quit":
        case "exit":
          return "quit";
        case "me":
          if (text) this.#publishMessage(EVENT_TYPES.message, { text, action: true });
          return undefined;
        case "pm": {
          const [to = "", ...words] = text.split(/\s+/);
          const body = words.join(" ");
          if (!to || !body) {
            this.#note("usage: /pm <user> <text>");
            return undefined;
          }
          this.#publishMessage(EVENT_TYPES.privateMessage, { text: body, to });
          return undefined;
        }
        case "help":
          this.#note(USAGE);
          return undefined;
        default:
          this.#note(`unknown shell command /${word}; ${USAGE}`);
          return undefined;
      }
    }
    this.#publishMessage(EVENT_TYPES.message, { text: line });
    return undefined;
  }

  /** A line from the shell itself (not the bot). */
  #note(text: string) {
    this.#write(`* ${sanitizeChatText(text).replaceAll("\n", " ")}\n`);
  }

  #publishRaw(line: string) {
    try {
      this.#bus.publish(subjects.platformRaw(SHELL_PLATFORM, "line"), {
        user: this.#user,
        line,
        time: Date.now(),
      });
    } catch (error) {
      this.#log.warn("raw line not published", { error: String(error) });
    }
  }

  #publishMessage(
    type: typeof EVENT_TYPES.message | typeof EVENT_TYPES.privateMessage,
    fields: { text: string; action?: boolean; to?: string },
  ) {
    const text = fields.text.slice(0, 10_000);
    const payload: MessagePayload = {
      user: { name: this.#user, rank: this.#rank },
      text,
      ...(fields.action ? { action: true } : {}),
      ...(fields.to !== undefined ? { to: fields.to } : {}),
    };
    const toBot = fields.to !== undefined &&
      fields.to.toLowerCase() === this.#botName.toLowerCase();
    // A command, or a PM to the bot (the moderator shell), expects an answer.
    if (!fields.action && (parseCommand(text, { prefix: this.#prefix }) || toBot)) {
      this.#awaitingSince = Date.now();
    }
    try {
      this.#bus.publish(subjects.event(type), createEnvelope(type, this.source, payload));
    } catch (error) {
      this.#log.warn("message not published", { error: String(error) });
    }
  }
}

/** The raw line event (`rosey.platform.shell.raw.line`), for anything that wants it. */
export const ShellRawLineSchema = z.object({
  user: z.string(),
  line: z.string(),
  time: z.number(),
});
export type ShellRawLine = z.infer<typeof ShellRawLineSchema>;
