/**
 * The command router: chat in, plugin, chat out. It listens to normalized messages and private
 * messages, turns `!roll 2d6` into a `CommandExecute` request to the plugin whose manifest
 * declares `roll`, and sends the `CommandResult` back where the message came from. Policy
 * (rank, rate limits, cooldowns) is applied here, once, so no plugin has to.
 *
 * What a user sees, and why:
 * - an unknown `!foo` gets no answer (a chat bot must not answer every exclamation);
 * - a crashed, missing or slow plugin gets one short apology, never silence or a stack trace;
 * - a denial gets a short notice at most once per window per user, so it never floods.
 */
import { RecentIds } from "./recent_ids.ts";
import { ROUTER_CONSUMER } from "./role.ts";
import {
  BusRequestError,
  type BusSubscription,
  type Delivery,
  type DurableConsumer,
  type EventBus,
  newEventId,
  REQUEST_FAILURES,
  STREAMS,
} from "@quicksilver/core";
import {
  type CommandExecute,
  type CommandResult,
  CommandResultSchema,
  type Envelope,
  envelopeOf,
  type MessagePayload,
  MessagePayloadSchema,
  type PluginSay,
  PluginSaySchema,
  type PluginTable,
  PluginTableSchema,
  type Source,
} from "@quicksilver/core";
import { z } from "zod";
import { type Logger, silentLogger } from "@quicksilver/core";
import type { MetricsRegistry } from "@quicksilver/core";
import { EVENT_TYPES, subjects } from "@quicksilver/core";
import { parseCommand } from "@quicksilver/core";
import { RouterOptionsError } from "./errors.ts";
import { sanitizeChatText } from "@quicksilver/core";
import { capReply, DEFAULT_REPLY_LIMITS, type ReplyLimits } from "./reply_limits.ts";
import {
  CommandPolicy,
  DEFAULT_COMMAND_TIMEOUT_MS,
  type RouterLimits,
  type Verdict,
} from "./command_policy.ts";
import { HELP_COMMAND, helpLines } from "./help.ts";
import { PluginTableStore } from "./plugin_table.ts";
import { ClaimReporter } from "./claim_reporter.ts";
import { CommandOwners, type CommandOwnersOptions } from "./command_owners.ts";
import { type RouterMetrics, RouterMetricsRecorder } from "./router_metrics.ts";

export interface CommandRouterOptions {
  /** Command prefix. Default `!`. */
  prefix?: string;
  /** The bot's own name: its messages are never commands. */
  botName?: string;
  /** Users whose messages are never commands (other bots, case-insensitive). */
  ignoreUsers?: readonly string[];
  /** How long a plugin has to answer, ms. Default {@linkcode DEFAULT_COMMAND_TIMEOUT_MS}. */
  timeoutMs?: number;
  limits?: RouterLimits;
  /**
   * Who owns contested command words: the operator's choice (`router.commandOwners`,
   * word -> plugin) and the file where first owners are remembered across restarts (in the
   * instance's state dir). See {@linkcode CommandOwners}.
   */
  commandOwners?: CommandOwnersOptions;
  /** How much of one reply reaches the chat; see {@linkcode ReplyLimits}. */
  replies?: ReplyLimits;
  /**
   * `nats.delivery`. `live` (default): messages by core NATS subscription, replies by core
   * publish. `durable`: messages from `ROSEY_EVENTS` through the shared durable consumer
   * {@linkcode ROUTER_CONSUMER} (any number of routers share it; one that dies hands its
   * unacked commands to another), replies into `ROSEY_ACTIONS` with a message id derived from
   * the event, acked only once every reply line was stored (docs/SCALING.md).
   */
  delivery?: Delivery;
  /**
   * Durable mode: a command whose event is older than this (ms) is skipped instead of answered,
   * e.g. after every router was down for minutes. Kept below the actions stream's 2-minute
   * duplicate window, which is what makes a second router's answer a dropped copy. Default
   * 90 000.
   */
  staleAfterMs?: number;
  /** Where the router's counters go (share one with a health reporter); default its own. */
  metrics?: MetricsRegistry;
  /** Ask the manager for the plugin table at start (`rosey.admin.plugins.list`). Default true. */
  requestTableAtStart?: boolean;
  logger?: Logger;
  /** The clock, for tests of rate limits. */
  now?: () => number;
}

/** Where a command came from and how to answer it. */
interface Origin {
  source: Source;
  user: string;
  private: boolean;
  /** The user whose command this answers (the fair-queueing lane); none for a plugin's say. */
  replyTo?: string;
  /** Durable mode: how the reply lines are sent (ids, and the publishes to wait for). */
  answer?: DurableAnswer;
}

/**
 * The reply to one event in durable mode. Line `i` goes out with `Nats-Msg-Id`
 * `<prefix>.<i>`: every router answering the same event uses the same ids, so the actions
 * stream keeps the first router's lines and drops the copies.
 */
interface DurableAnswer {
  prefix: string;
  lines: number;
  sent: Promise<unknown>[];
}

/**
 * Durable mode: unacked commands go to another router this long after their router stopped
 * saying it is still at work on them (it says so every half of it while a command runs).
 */
const ROUTER_ACK_WAIT_MS = 5000;

/** Durable mode: wait between attempts when no plugin host serves the plugin right now. */
const NO_RESPONDERS_RETRY_MS = 100;

/** Chat lines are kept short; a plugin's error message is shown, but never a wall of text. */
const MAX_ERROR_TEXT = 300;

export class CommandRouter {
  readonly table: PluginTableStore;
  /** What the last applied table routes where (see routingSignature). */
  #routing = "";
  readonly #bus: EventBus;
  readonly #log: Logger;
  readonly #prefix: string;
  readonly #ignored: Set<string>;
  readonly #recentIds = new RecentIds();
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #policy: CommandPolicy;
  readonly #metrics: RouterMetricsRecorder;
  readonly #replyLimits: Required<ReplyLimits>;
  readonly #claims: ClaimReporter;
  readonly #subscriptions: BusSubscription[] = [];
  readonly #delivery: Delivery;
  readonly #staleAfterMs: number;
  #consumer: DurableConsumer | undefined;
  /** Durable mode: commands being handled here, by event id (a redelivery joins the run). */
  readonly #handling = new Map<string, Promise<void>>();
  /** Durable mode: events answered here (a redelivery after a lost ack is acked, not rerun). */
  readonly #answered = new RecentIds();
  #closed = false;

  private constructor(bus: EventBus, options: CommandRouterOptions) {
    const prefix = options.prefix ?? "!";
    if (prefix.length === 0 || prefix.length > 5 || /\s/.test(prefix)) {
      throw new RouterOptionsError(
        `router prefix ${JSON.stringify(prefix)} is not usable; use 1-5 characters without ` +
          `spaces, e.g. "!"`,
      );
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    if (!(timeoutMs > 0)) {
      throw new RouterOptionsError(`router timeoutMs ${timeoutMs} must be positive, e.g. 5000`);
    }
    this.table = new PluginTableStore(new CommandOwners(options.commandOwners));
    this.#bus = bus;
    this.#log = (options.logger ?? silentLogger).child({ component: "router" });
    this.#prefix = prefix;
    this.#ignored = new Set(
      [...(options.ignoreUsers ?? []), ...(options.botName ? [options.botName] : [])]
        .map((name) => name.toLowerCase()),
    );
    this.#timeoutMs = timeoutMs;
    this.#delivery = options.delivery ?? "live";
    this.#staleAfterMs = options.staleAfterMs ?? 90_000;
    this.#now = options.now ?? Date.now;
    this.#policy = new CommandPolicy(options.limits, { prefix });
    this.#metrics = new RouterMetricsRecorder(options.metrics);
    this.#claims = new ClaimReporter(bus, this.#log, { prefix, owners: this.table.owners });
    const replies = { ...DEFAULT_REPLY_LIMITS, ...options.replies };
    for (const key of ["maxLines", "lineChars"] as const) {
      if (!Number.isInteger(replies[key]) || replies[key] < 1) {
        throw new RouterOptionsError(
          `router replies.${key} ${replies[key]} must be a whole number of at least 1, e.g. ` +
            `${DEFAULT_REPLY_LIMITS[key]}`,
        );
      }
    }
    this.#replyLimits = replies;
  }

  /**
   * Subscribes and, unless told not to, asks the manager for the current plugin table (so a
   * router started after the manager is not blind until the next change). Resolves once the
   * subscriptions are live on the server.
   */
  static async start(bus: EventBus, options: CommandRouterOptions = {}): Promise<CommandRouter> {
    const router = new CommandRouter(bus, options);
    router.#subscribe();
    await bus.flush();
    // Durable mode: the shared consumer starts at the stream's end when first created; start
    // returns once it exists, so what is said from then on is answered.
    await router.#consumer?.ready;
    if (options.requestTableAtStart ?? true) await router.refreshTable();
    return router;
  }

  /** Counters per command, unknown commands, forwarded and dropped plugin output. */
  get metrics(): RouterMetrics {
    return this.#metrics.snapshot();
  }

  /** The registry holding the same counters, for a health reporter to publish. */
  get metricsRegistry(): MetricsRegistry {
    return this.#metrics.registry;
  }

  /**
   * Asks `rosey.admin.plugins.list` for the table; a missing manager is not an error. The reply
   * may be a `PluginTable` or the manager's admin reply `{ok, plugins}`; one without a
   * revision only fills an empty table, so it never replaces a newer published one.
   */
  async refreshTable(timeoutMs = 2000): Promise<boolean> {
    let reply: z.infer<typeof ListReplySchema>;
    try {
      reply = await this.#bus.request(subjects.adminPlugins("list"), {}, {
        timeoutMs,
        schema: ListReplySchema,
      });
    } catch (error) {
      this.#log.debug("no plugin table from the manager yet", { error: String(error) });
      return false;
    }
    if (reply.revision !== undefined) {
      return this.#applyTable({ plugins: reply.plugins, revision: reply.revision });
    }
    if (this.table.revision >= 0) return false;
    return this.#applyTable({ plugins: reply.plugins, revision: 0 });
  }

  /** Stops listening and waits for commands in flight (each is bounded by the timeout). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([
      ...this.#subscriptions.map((sub) => sub.drain()),
      this.#consumer?.stop(),
    ]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #subscribe() {
    // Every chat line passes here; the schema meets the throughput target (docs/PERFORMANCE.md).
    const messages = envelopeOf(MessagePayloadSchema);
    if (this.#delivery === "durable") {
      const message = subjects.event(EVENT_TYPES.message);
      const pm = subjects.event(EVENT_TYPES.privateMessage);
      this.#consumer = this.#bus.durable.consume(
        {
          stream: STREAMS.events,
          durable: ROUTER_CONSUMER,
          filterSubject: subjects.chatEvents(),
          schema: messages,
          // A new deployment answers what is said from now on, not the stream's 7 days.
          deliver: "new",
          ackWaitMs: ROUTER_ACK_WAIT_MS,
          // Commands run side by side (each waits on its plugin), started in stream order.
          maxInFlight: 256,
          // The server hands each router at most what it pulls (256), so a second router gets
          // work while the first is busy; the consumer-wide cap leaves room for four routers.
          maxAckPending: 1024,
        },
        (envelope, delivery) =>
          delivery.subject === message || delivery.subject === pm
            ? this.#onDurableMessage(envelope, delivery.subject === pm)
            : undefined,
      );
    } else {
      this.#subscriptions.push(
        this.#bus.subscribe(
          subjects.event(EVENT_TYPES.message),
          (envelope) => this.#onMessage(envelope, false),
          { schema: messages },
        ),
        this.#bus.subscribe(
          subjects.event(EVENT_TYPES.privateMessage),
          (envelope) => this.#onMessage(envelope, true),
          { schema: messages },
        ),
      );
    }
    this.#subscriptions.push(
      this.#bus.subscribe(
        subjects.pluginManifests(),
        (table) => void this.#applyTable(table),
        { schema: PluginTableSchema },
      ),
      // Durable mode: each line a plugin says is forwarded by one router of the group, not by
      // every replica.
      this.#bus.subscribe(
        subjects.allPluginSay(),
        (say, context) => this.#onPluginSay(say, context.subject),
        {
          schema: PluginSaySchema,
          ...(this.#delivery === "durable" ? { queue: ROUTER_CONSUMER } : {}),
        },
      ),
    );
  }

  #applyTable(table: PluginTable): boolean {
    const applied = this.table.apply(table);
    // The manager republishes the table every few seconds with fresh CPU and memory figures;
    // only a change in what routes where is news to the operator (and repeats the warnings).
    const routing = routingSignature(table);
    const changed = applied && routing !== this.#routing;
    if (applied) {
      this.#routing = routing;
      (changed ? this.#log.info : this.#log.debug)("plugin table updated", {
        revision: table.revision,
        running: table.plugins.filter((p) => p.state === "running").map((p) => p.name),
      });
      this.#claims.report(this.table.conflicts);
    }
    return applied;
  }

  /**
   * Durable mode: one event from the shared consumer. Resolving acks it, so it resolves only
   * once every reply line is stored in `ROSEY_ACTIONS`; throwing hands it back for redelivery.
   * The same router may get an event again (its ack was lost, or a slow command outlived the
   * ack wait): a redelivery while the first run is going joins that run and shares its outcome,
   * and one after an answered run is acked without running the command again. Neither is a
   * duplicate to drop: dropping (acking) it while the first run could still fail would lose it.
   */
  #onDurableMessage(envelope: Envelope<MessagePayload>, isPrivate: boolean): Promise<void> {
    if (this.#closed) {
      // Closing: leave it unacked for another router rather than ack what was not answered.
      return Promise.reject(new Error("router closing"));
    }
    const running = this.#handling.get(envelope.id);
    if (running) return running;
    if (this.#answered.has(envelope.id)) {
      this.#metrics.ignored();
      return Promise.resolve();
    }
    const run = (async () => {
      if (this.#now() - envelope.time > this.#staleAfterMs) {
        this.#metrics.ignored();
        return;
      }
      const answer: DurableAnswer = { prefix: envelope.id, lines: 0, sent: [] };
      await this.#onMessage(envelope, isPrivate, answer);
      await Promise.all(answer.sent);
      this.#answered.add(envelope.id);
    })();
    this.#handling.set(envelope.id, run);
    const done = () => this.#handling.delete(envelope.id);
    run.then(done, done);
    return run;
  }

  async #onMessage(
    envelope: Envelope<MessagePayload>,
    isPrivate: boolean,
    answer?: DurableAnswer,
  ): Promise<void> {
    if (this.#closed) return;
    const { user, text } = envelope.payload;
    if (envelope.payload.action) return;
    const parsed = parseCommand(text, { prefix: this.#prefix });
    if (!parsed) return;
    // Connectors publish durably: a publish whose ack was lost is retried, and the retry
    // reaches subscribers again (the stream drops the copy, core subscribers do not). A
    // command must run once, so an envelope id already seen is skipped. (Durable mode reads
    // the stream, which holds one copy; its redeliveries are sorted out before this.)
    if (!answer && !this.#recentIds.add(envelope.id)) {
      this.#metrics.ignored();
      return;
    }
    if (this.#ignored.has(user.name.toLowerCase())) {
      this.#metrics.ignored();
      return;
    }
    const origin: Origin = {
      source: envelope.source,
      user: user.name,
      private: isPrivate,
      replyTo: user.name,
      ...(answer ? { answer } : {}),
    };
    if (parsed.command === HELP_COMMAND) {
      if (!this.#allowed(origin, this.#policy.admitUser(user.name, this.#now()))) return;
      this.#reply(
        origin,
        helpLines(this.table, parsed.args[0], {
          prefix: this.#prefix,
          rank: user.rank,
        }),
        "router",
      );
      return;
    }
    const entry = this.table.resolve(parsed.command);
    if (!entry) {
      this.#metrics.unknown();
      return;
    }
    const command = entry.spec.name;
    const verdict = this.#policy.admitCommand(user.name, user.rank, entry, this.#now());
    if (!this.#allowed(origin, verdict)) {
      this.#metrics.outcome(command, "denied");
      return;
    }
    if (!entry.running) {
      this.#metrics.outcome(command, "unavailable");
      this.#reply(origin, [apology(entry.plugin)], "router");
      return;
    }
    const request: CommandExecute = {
      command: entry.spec.name,
      args: parsed.args,
      rawArgs: parsed.rawArgs,
      user,
      source: envelope.source,
      messageId: envelope.id,
      // One timeout, the router's: the plugin host holds the handler to the same budget.
      deadlineMs: this.#timeoutMs,
      ...(isPrivate ? { private: true } : {}),
    };
    const started = this.#now();
    let result: CommandResult;
    try {
      result = answer
        ? await this.#askReplicas(entry.plugin, request)
        : await this.#bus.request(subjects.commandExecute(entry.plugin), request, {
          timeoutMs: this.#timeoutMs,
          schema: CommandResultSchema,
        });
    } catch (error) {
      this.#metrics.outcome(command, "unavailable");
      const code = error instanceof BusRequestError ? error.code : "failed";
      this.#log.warn("plugin did not answer", {
        plugin: entry.plugin,
        command: entry.spec.name,
        code,
        error: String(error),
      });
      this.#reply(origin, [
        code === "invalid-reply"
          ? `${entry.plugin} gave an answer I could not read, sorry.`
          : apology(entry.plugin),
      ], "router");
      return;
    } finally {
      this.#metrics.latency(command, this.#now() - started);
    }
    if (result.ok) {
      this.#metrics.outcome(command, "ok");
      this.#reply(
        { ...origin, private: origin.private || result.private === true },
        result.reply,
        entry.plugin,
      );
    } else {
      this.#metrics.outcome(command, "error");
      // Line breaks first made plain (U+2028, U+2029, CR LF), so the first line is one line.
      const text = firstLine(sanitizeChatText(result.error.message)) || apology(entry.plugin);
      this.#reply(origin, [text], entry.plugin);
    }
  }

  /**
   * Durable mode: asks the plugin, and asks again while the command's time allows when no
   * plugin host answered: a host that died mid-request leaves the request unanswered, and the
   * plugin's queue group hands the next request to another replica. The first attempt gets half
   * of the time (the plugin is told so in `deadlineMs`, and its host holds the handler to it), so
   * that a second replica has the other half; with no replica left the command gets the one
   * apology it gets in live mode.
   */
  async #askReplicas(plugin: string, request: CommandExecute): Promise<CommandResult> {
    const deadline = this.#now() + this.#timeoutMs;
    let attempt = 0;
    for (;;) {
      const left = deadline - this.#now();
      const budget = attempt === 0 ? Math.ceil(this.#timeoutMs / 2) : left;
      attempt++;
      try {
        return await this.#bus.request(
          subjects.commandExecute(plugin),
          { ...request, deadlineMs: budget },
          { timeoutMs: budget, schema: CommandResultSchema },
        );
      } catch (error) {
        const code = error instanceof BusRequestError ? error.code : undefined;
        const retry = code === REQUEST_FAILURES.timeout || code === REQUEST_FAILURES.noResponders;
        const wait = code === REQUEST_FAILURES.noResponders ? NO_RESPONDERS_RETRY_MS : 0;
        if (!retry || deadline - this.#now() - wait < 250 || this.#closed) throw error;
        this.#log.debug("plugin did not answer; asking again", { plugin, attempt, code });
        if (wait) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /** Sends the refusal notice, if any; returns whether the command may go on. */
  #allowed(origin: Origin, verdict: Verdict): boolean {
    if (verdict.ok) return true;
    if (verdict.notice) this.#reply(origin, [verdict.notice], "router");
    return false;
  }

  #onPluginSay(say: PluginSay, subject: string): void {
    if (this.#closed) return;
    // The plugin is who NATS let publish on this subject, never what the payload claims.
    const plugin = pluginOfSaySubject(subject);
    if (!plugin) return;
    const verdict = this.#policy.admitSay(plugin, this.#now());
    if (!verdict.ok) {
      this.#metrics.say(plugin, false);
      if (verdict.notice) this.#log.warn(verdict.notice, { plugin });
      return;
    }
    this.#metrics.say(plugin, true);
    // Durable mode: a say has no event to derive ids from; its own fresh id is enough, since
    // only one router of the queue group receives it.
    const answer = this.#delivery === "durable"
      ? { answer: { prefix: newEventId(), lines: 0, sent: [] } }
      : {};
    const origin: Origin = say.to !== undefined
      ? { source: say.source, user: say.to, private: true, ...answer }
      : { source: say.source, user: plugin, private: false, ...answer };
    this.#reply(origin, [say.text], plugin);
    // Nobody acks a say: a line the stream did not take is logged in #reply, not retried here.
    if (origin.answer) void Promise.allSettled(origin.answer.sent);
  }

  /**
   * Sends one reply to the origin's channel, or privately to the user. This is the trust
   * boundary for everything a plugin says, on every platform: each line is made safe to show
   * (control and bidi characters removed, {@linkcode sanitizeChatText}) and the reply is cut to
   * its {@linkcode ReplyLimits}, with a note saying how much was cut.
   */
  #reply(origin: Origin, lines: readonly string[], from: string): void {
    const { platform, channel } = origin.source;
    const clean = lines.map((raw) => sanitizeChatText(raw).trimEnd()).filter((t) => t.trim());
    const { kept, cut } = capReply(clean, this.#replyLimits);
    if (cut > 0) {
      this.#metrics.cut(from, cut);
      kept.push(`(${cut} more line${cut === 1 ? "" : "s"} cut)`);
    }
    const to = sanitizeChatText(origin.user);
    const replyTo = origin.replyTo === undefined ? {} : { replyTo: origin.replyTo };
    for (const text of kept) {
      const [subject, action] = origin.private
        ? [subjects.platformAction(platform, "pm"), { channel, text, origin: from, to, ...replyTo }]
        : [subjects.platformAction(platform, "chat"), { channel, text, origin: from, ...replyTo }];
      const answer = origin.answer;
      if (answer) {
        answer.sent.push(
          this.#bus.durable.publish(subject, action, {
            messageId: `${answer.prefix}.${answer.lines++}`,
          }).catch((error) => {
            this.#log.warn("reply not stored", { platform, channel, error: String(error) });
            throw error;
          }),
        );
        continue;
      }
      try {
        this.#bus.publish(subject, action);
      } catch (error) {
        this.#log.warn("reply not sent", { platform, channel, error: String(error) });
      }
    }
  }
}

/** What `rosey.admin.plugins.list` answers: a table, or the manager's `{ok: true, plugins}`. */
const ListReplySchema = z.object({
  plugins: PluginTableSchema.shape.plugins,
  revision: z.optional(PluginTableSchema.shape.revision),
});

/** `dice is not answering right now, sorry.` */
export function apology(plugin: string): string {
  return `${plugin} is not answering right now, sorry.`;
}

function pluginOfSaySubject(subject: string): string | undefined {
  const name = subject.split(".")[2];
  if (!name) return undefined;
  try {
    return subjects.pluginSay(name) === subject ? name : undefined;
  } catch {
    return undefined;
  }
}

function firstLine(text: string): string {
  const line = text.split("\n")[0]?.trim() ?? "";
  return line.length > MAX_ERROR_TEXT ? `${line.slice(0, MAX_ERROR_TEXT - 1)}…` : line;
}

/** Which plugins exist, their states and their commands: the table minus its figures. */
function routingSignature(table: PluginTable): string {
  return JSON.stringify(
    [...table.plugins].sort((a, b) => a.name.localeCompare(b.name)).map((p) => [
      p.name,
      p.state,
      p.manifest?.commands ?? [],
    ]),
  );
}
