/**
 * The moderator PM shell as a service: Rosey's `common/shell.py` on the bus. It listens to
 * private messages (`rosey.events.pm`, core NATS: a command is never replayed after a
 * restart), asks the sender's connector for the channel snapshot, serves only users present
 * there with rank >= 2 (others, and the bot itself, are ignored without a word), runs the
 * command, answers by PM in chunks of at most 500 characters, and audits every command on
 * `rosey.audit.moderator` (`pending`, then `success` or `error`) and in the log.
 */
import {
  ActionResultSchema,
  type AuditRecord,
  BusRequestError,
  type BusSubscription,
  type ChannelSnapshot,
  ChannelSnapshotSchema,
  ChannelStatsReplySchema,
  type Delivery,
  type Envelope,
  envelopeOf,
  errorText,
  type EventBus,
  type Logger,
  MessagePayloadSchema,
  type PlatformActionName,
  publishAction,
  RANKS,
  requestAction,
  silentLogger,
  type Source,
  STATS_QUERIES,
  subjects,
  UserStatsReplySchema,
} from "@quicksilver/core";
import type { z } from "zod";
import { type ActionRequest, type CommandContext, isCommandName, runCommand } from "./commands.ts";
import { MediaLinkError, ModeratorCommandError } from "./errors.ts";
import { chunkReply } from "./format.ts";

/** The audit subject's service token and the `origin` of the actions it asks for. */
export const MODERATOR_SERVICE = "moderator";

const PmEnvelopeSchema = envelopeOf(MessagePayloadSchema);
type PmEnvelope = Envelope<z.infer<typeof MessagePayloadSchema>>;

export interface ModeratorServiceOptions {
  logger?: Logger;
  /** The lowest rank served (Rosey: 2, moderator). */
  minRank?: number;
  /**
   * PMs starting with these are chat commands for the router (`!roll` by PM), not shell
   * commands: ignored here so that the caller does not also get "Unknown command".
   */
  ignorePrefixes?: string[];
  /**
   * How long to wait for the connector's snapshot and action results. Default 10 000 ms: the
   * CyTube connector waits up to 8 s for the server's answer to an action.
   */
  actionTimeoutMs?: number;
  /** How long to wait for the stats service (Rosey: 1 s). */
  statsTimeoutMs?: number;
  /**
   * `nats.delivery`: actions as core requests (`live`, default) or through `ROSEY_ACTIONS` with
   * the outcome sent back on `subjects.actionOutcome` (`durable`, see `requestAction`).
   */
  delivery?: Delivery;
  now?: () => number;
}

export class ModeratorService {
  readonly #bus: EventBus;
  readonly #log: Logger;
  readonly #minRank: number;
  readonly #ignorePrefixes: string[];
  readonly #actionTimeoutMs: number;
  readonly #statsTimeoutMs: number;
  readonly #delivery: Delivery;
  readonly #now: () => number;
  #subscription: BusSubscription | undefined;

  private constructor(bus: EventBus, options: ModeratorServiceOptions) {
    this.#bus = bus;
    this.#log = (options.logger ?? silentLogger).child({ component: "moderator" });
    this.#minRank = options.minRank ?? RANKS.moderator;
    this.#ignorePrefixes = options.ignorePrefixes ?? ["!"];
    this.#actionTimeoutMs = options.actionTimeoutMs ?? 10_000;
    this.#statsTimeoutMs = options.statsTimeoutMs ?? 1000;
    this.#delivery = options.delivery ?? "live";
    this.#now = options.now ?? Date.now;
  }

  /** Subscribes to PMs; resolves once the server has the subscription. */
  static async start(
    bus: EventBus,
    options: ModeratorServiceOptions = {},
  ): Promise<ModeratorService> {
    const service = new ModeratorService(bus, options);
    service.#subscription = bus.subscribe(
      subjects.event("pm"),
      (envelope) => service.#onPm(envelope),
      { schema: PmEnvelopeSchema as z.ZodType<PmEnvelope> },
    );
    await bus.flush();
    return service;
  }

  /** Stops listening and waits for commands in progress to finish. */
  async close(): Promise<void> {
    await this.#subscription?.drain();
    this.#subscription = undefined;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #onPm(envelope: PmEnvelope): Promise<void> {
    const { source, payload } = envelope;
    const text = payload.text.trim();
    const sender = payload.user.name;
    if (!text || this.#ignorePrefixes.some((prefix) => text.startsWith(prefix))) return;
    const snapshot = await this.#snapshot(source);
    if (!snapshot) return;
    if (sameName(sender, snapshot.self.name)) return;
    // A PM the bot sent to someone else, echoed back: not addressed to the shell.
    if (payload.to !== undefined && !sameName(payload.to, snapshot.self.name)) return;
    const member = snapshot.users.find((user) => sameName(user.name, sender));
    if (!member || member.rank < this.#minRank) {
      // Silently: answering would tell anyone that the shell exists (Rosey fails closed too).
      this.#log.info("PM command ignored", {
        user: sender,
        reason: member ? `rank ${member.rank} < ${this.#minRank}` : "not in the channel",
      });
      return;
    }
    const [word = "", ...rest] = text.split(/\s+/);
    const command = word.toLowerCase();
    const args = text.slice(word.length).trim();
    const audit = (result: AuditRecord["result"], detail?: string) =>
      this.#audit({ actor: member.name, source, command, args, result, detail });
    audit("pending");
    this.#log.info("PM command", { user: member.name, command, args: rest.join(" ") });
    let reply: string;
    let result: "success" | "error" = "success";
    let detail: string | undefined;
    if (!isCommandName(command)) {
      reply = `Unknown command: ${command}\nType 'help' for available commands`;
      result = "error";
      detail = "unknown command";
    } else {
      try {
        reply = await runCommand(command, args, this.#context(source, snapshot));
      } catch (error) {
        result = "error";
        const expected = error instanceof ModeratorCommandError || error instanceof MediaLinkError;
        // A bug's message may carry internals: the moderator gets a short line, the log the rest.
        detail = expected ? error.message : "internal error; see the moderator service log";
        if (!expected) this.#log.error("PM command failed", { command, error: errorText(error) });
        reply = `Error: ${detail}`;
      }
    }
    for (const chunk of chunkReply(reply)) this.#pm(source, member.name, chunk);
    audit(result, detail);
    this.#log.info("PM command done", { user: member.name, command, result, detail });
  }

  async #snapshot(source: Source): Promise<ChannelSnapshot | undefined> {
    try {
      return await this.#bus.request(
        subjects.platformState(source.platform, "snapshot"),
        { channel: source.channel },
        { timeoutMs: this.#actionTimeoutMs, schema: ChannelSnapshotSchema },
      );
    } catch (error) {
      // Without the userlist the sender's rank is unknown: fail closed, say nothing.
      this.#log.warn("PM ignored: no channel snapshot", {
        platform: source.platform,
        channel: source.channel,
        error: errorText(error),
      });
      return undefined;
    }
  }

  #context(source: Source, snapshot: ChannelSnapshot): CommandContext {
    return {
      snapshot,
      now: this.#now,
      act: <N extends PlatformActionName>(name: N, payload: ActionRequest<N>) =>
        this.#act(source, name, payload),
      channelStats: () =>
        this.#askStats(STATS_QUERIES.channel, { source }, ChannelStatsReplySchema),
      userStats: (name: string) =>
        this.#askStats(STATS_QUERIES.user, { source, name }, UserStatsReplySchema),
    };
  }

  async #act<N extends PlatformActionName>(
    source: Source,
    name: N,
    payload: ActionRequest<N>,
  ): Promise<void> {
    const subject = subjects.platformAction(source.platform, name);
    let result;
    try {
      result = await requestAction(
        this.#bus,
        subject,
        { ...payload, channel: source.channel, origin: MODERATOR_SERVICE },
        { timeoutMs: this.#actionTimeoutMs, schema: ActionResultSchema, delivery: this.#delivery },
      );
    } catch (error) {
      const why = error instanceof BusRequestError ? error.code : errorText(error);
      throw new ModeratorCommandError(
        `the ${source.platform} connector did not carry out "${name}" (${why}); ` +
          `check that it is running`,
        { cause: error },
      );
    }
    if (!result.ok) throw new ModeratorCommandError(result.error.message);
  }

  async #askStats<R>(kind: string, query: unknown, schema: z.ZodType<R>): Promise<R | undefined> {
    try {
      return await this.#bus.request(subjects.statsQuery(kind), query, {
        timeoutMs: this.#statsTimeoutMs,
        replyPrefix: subjects.statsAnswers(this.#bus.name),
        schema,
      });
    } catch (error) {
      this.#log.warn("stats query failed", { kind, error: errorText(error) });
      return undefined;
    }
  }

  #pm(source: Source, to: string, text: string) {
    publishAction(this.#bus, subjects.platformAction(source.platform, "pm"), {
      channel: source.channel,
      to,
      text,
      origin: MODERATOR_SERVICE,
    }, { delivery: this.#delivery }).catch((error) => {
      this.#log.warn("PM reply not sent", { to, error: errorText(error) });
    });
  }

  #audit(
    record: Omit<AuditRecord, "service" | "time" | "detail"> & { detail?: string | undefined },
  ) {
    const { detail, ...rest } = record;
    const full: AuditRecord = {
      service: MODERATOR_SERVICE,
      ...rest,
      args: rest.args.slice(0, 2000),
      ...(detail !== undefined ? { detail: detail.slice(0, 1000) } : {}),
      time: this.#now(),
    };
    try {
      this.#bus.publish(subjects.audit(MODERATOR_SERVICE), full);
    } catch (error) {
      this.#log.warn("audit record not published", { error: errorText(error) });
    }
  }
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
