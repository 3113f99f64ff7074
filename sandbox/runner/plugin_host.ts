/**
 * Serves one plugin on the bus: builds its contexts, answers `CommandExecute` requests with a
 * `CommandResult`, delivers its events, and stops it cleanly. Everything the plugin does goes
 * through here, on the subjects its NATS user may use.
 */
import {
  type CommandExecute,
  CommandExecuteSchema,
  type CommandResult,
  EnvelopeSchema,
  errorText,
  type EventBus,
  type EventType,
  type Logger,
  PluginSaySchema,
  type Source,
  subjectMatches,
  subjects,
  validate,
} from "@quicksilver/core/client";
import {
  type CommandContext,
  type CommandDefinition,
  type GrantedExtras,
  type GrantedMessageHandler,
  KvLease,
  KvStorage,
  lazyLease,
  NotGrantedError,
  type Plugin,
  type PluginContext,
  TimerSet,
  UsageError,
} from "@quicksilver/sdk";
import type { RunLaunchConfig } from "./launch_config.ts";
import { tripwire } from "./_tripwire.ts";

export class PluginHost {
  readonly plugin: Plugin;
  readonly #bus: EventBus;
  readonly #config: RunLaunchConfig;
  readonly #log: Logger;
  readonly #abort = new AbortController();
  readonly #timers: TimerSet;
  readonly #context: PluginContext;
  /** Every word (name or alias) a command answers to, with its declared name and spec. */
  readonly #words = new Map<string, [string, CommandDefinition]>();
  readonly #subscriptions: { drain(): Promise<void> }[] = [];
  readonly #lease: ReturnType<typeof lazyLease>;
  handled = 0;
  failed = 0;

  constructor(plugin: Plugin, bus: EventBus, config: RunLaunchConfig, log: Logger) {
    this.plugin = plugin;
    this.#bus = bus;
    this.#config = config;
    this.#log = log;
    this.#timers = new TimerSet((error) => log.error("timer failed", { error: errorText(error) }));
    for (const [word, spec] of Object.entries(plugin.commands ?? {})) {
      // First declaration wins, as definePlugin refuses a word used twice anyway.
      for (const alias of [word, ...(spec.aliases ?? [])]) {
        if (!this.#words.has(alias)) this.#words.set(alias, [word, spec]);
      }
    }
    const storage = new KvStorage(bus, {
      bucket: config.storageBucket,
      onQuotaExceeded: (error) => tripwire("storage-quota", error.message),
    });
    this.#lease = lazyLease(() =>
      new KvLease({
        bucket: config.storageBucket,
        // Which host holds it, for an operator reading the key; never the launch id (the
        // manager tells this launch's heartbeats by it, and plugin code can read its bucket).
        holder: `${config.host || "plugin-host"}/${crypto.randomUUID().slice(0, 8)}`,
        open: () => storage.open(),
        onError: (message, error) => log.warn(message, { error: errorText(error) }),
      })
    );
    const granted: GrantedExtras = Object.freeze({
      net: Object.freeze([...config.granted.net]),
      publish: Object.freeze([...config.granted.publish]),
      subscribe: Object.freeze([...config.granted.subscribe]),
    });
    this.#context = Object.freeze({
      name: config.name,
      config: Object.freeze(structuredClone(config.config)),
      log: {
        debug: (m: string, f?: Record<string, unknown>) => log.debug(m, f),
        info: (m: string, f?: Record<string, unknown>) => log.info(m, f),
        warn: (m: string, f?: Record<string, unknown>) => log.warn(m, f),
        error: (m: string, f?: Record<string, unknown>) => log.error(m, f),
      },
      // The quota is the server's; the runner only tells the manager (its tripwire, which plugin
      // code can neither forge nor silence) so the operator hears of it once.
      storage,
      lease: this.#lease,
      timers: this.#timers,
      granted,
      bot: Object.freeze({ ...config.bot }),
      secrets: Object.freeze({ ...config.secrets }),
      signal: this.#abort.signal,
      say: (source: Source, text: string, options?: { to?: string }) =>
        this.#say(source, text, options?.to),
      publish: (event: string, payload: unknown) =>
        this.#publish(subjects.plugin(config.name, event), payload),
      subscribe: (subject: string, handler: GrantedMessageHandler) =>
        this.#subscribeGranted(subject, handler),
    });
  }

  /** Runs setup, then starts serving commands and events. */
  async start(): Promise<void> {
    if (this.plugin.setup) {
      await withTimeout(
        Promise.resolve(this.plugin.setup(this.#context)),
        this.#config.hookTimeoutMs,
        "setup",
      );
    }
    const name = this.#config.name;
    // Replicas of a plugin on several plugin hosts form one queue group: each command goes to
    // one of them (harmless with one process).
    this.#subscriptions.push(this.#bus.serve<CommandExecute, CommandResult>(
      subjects.commandExecute(name),
      (request) => this.execute(request),
      {
        schema: CommandExecuteSchema,
        queue: name,
        // The user hears a short error instead of "not answering"; the operator, a report.
        tooLargeReply: (error) => {
          tripwire("reply-too-large", `a command answer was refused: ${errorText(error)}`);
          return fail("failed", "That answer was too long to send.");
        },
      },
    ));
    for (const [type, handler] of Object.entries(this.plugin.events ?? {})) {
      if (!handler) continue;
      this.#subscriptions.push(
        // Once per replica set, like commands: two replicas must not both answer a chat line.
        this.#bus.subscribe(subjects.event(type as EventType), async (envelope) => {
          await handler(envelope, this.#context);
        }, { schema: EnvelopeSchema, queue: name }),
      );
    }
  }

  /** Answers one command request. Never throws: every failure is a result with a code. */
  async execute(request: CommandExecute): Promise<CommandResult> {
    const entry = this.#words.get(request.command);
    if (!entry) {
      return fail("unknown_command", `${this.#config.name} has no command "${request.command}"`);
    }
    // Rank, cooldown and rate are the router's to decide, once: only it may publish here (its
    // NATS role is the only one granted command subjects), so the request is already allowed.
    const [word, spec] = entry;

    const output = new HandlerOutput(request, {
      check: (source, text, to) => void this.#checkSay(source, text, to),
      publish: (source, text, to) => this.#say(source, text, to),
    });
    const context: CommandContext = Object.freeze({
      ...this.#context,
      command: word,
      args: Object.freeze([...request.args]),
      rawArgs: request.rawArgs,
      user: Object.freeze({ ...request.user }),
      source: Object.freeze({ ...request.source }),
      private: request.private ?? false,
      messageId: request.messageId,
      reply: (text: string) => output.reply(String(text)),
      say: ((a: Source | string, b?: string, c?: { to?: string }) => {
        if (typeof a === "string") {
          output.say(request.source, a, request.private ? request.user.name : undefined);
        } else output.say(a, b ?? "", c?.to);
      }) as CommandContext["say"],
    });
    try {
      // Only a handler that went async can overrun; a synchronous answer needs no timer.
      const result = spec.handler(context);
      const returned = result instanceof Promise
        ? await withTimeout(result, request.deadlineMs, `!${word}`)
        : result;
      this.handled++;
      let isPrivate = request.private ?? false;
      if (typeof returned === "string") output.reply(returned);
      else if (Array.isArray(returned)) { for (const line of returned) output.reply(String(line)); }
      else if (returned && typeof returned === "object" && "reply" in returned) {
        for (const line of returned.reply) output.reply(String(line));
        if (returned.private !== undefined) isPrivate = returned.private;
      }
      const lines = output.close(isPrivate === (request.private ?? false));
      return {
        ok: true,
        reply: lines.slice(0, 50).map((l) => l.slice(0, 10_000)),
        ...(isPrivate ? { private: true } : {}),
      };
    } catch (error) {
      // What it said before failing is still said, in order, before the error.
      output.close(false);
      this.failed++;
      if (error instanceof UsageError) return fail("invalid_args", error.message.slice(0, 1000));
      if (error instanceof HookTimeout) {
        this.#log.warn("command timed out", {
          command: word,
          timeoutMs: request.deadlineMs,
        });
        return fail("timeout", `!${word} took too long`);
      }
      this.#log.error("command failed", { command: word, error: errorText(error) });
      return fail("failed", `!${word} failed (internal error)`);
    }
  }

  /** Stops serving, runs teardown, cancels timers. */
  async stop(): Promise<void> {
    if (this.#abort.signal.aborted) return;
    this.#abort.abort();
    await Promise.allSettled(this.#subscriptions.map((s) => s.drain()));
    if (this.plugin.teardown) {
      try {
        await withTimeout(
          Promise.resolve(this.plugin.teardown(this.#context)),
          this.#config.hookTimeoutMs,
          "teardown",
        );
      } catch (error) {
        this.#log.error("teardown failed", { error: errorText(error) });
      }
    }
    this.#timers.clear();
    // A holder hands the lease over at once (a standby takes it at its next look).
    await this.#lease.close().catch((error) =>
      this.#log.error("lease release failed", { error: errorText(error) })
    );
    // Changes still waiting for a group commit are written before the process exits.
    await this.#context.storage.flush().catch((error) =>
      this.#log.error("storage flush failed", { error: errorText(error) })
    );
  }

  #subscribeGranted(subject: string, handler: GrantedMessageHandler): () => void {
    const grants = this.#context.granted.subscribe;
    if (!grants.some((grant) => subjectMatches(grant, subject))) {
      throw new NotGrantedError(
        `${this.#config.name} may not subscribe to ${subject}: ask for it in extras.subscribe ` +
          `and have the operator grant it in plugins.${this.#config.name}.grants.subscribe` +
          ` (granted: ${grants.join(", ") || "none"})`,
      );
    }
    const subscription = this.#bus.subscribe<unknown>(
      subject,
      (data, message) => handler(data, message.subject),
    );
    this.#subscriptions.push(subscription);
    return () => subscription.unsubscribe();
  }

  #checkSay(source: Source, text: string, to: string | undefined) {
    return validate(PluginSaySchema, { source, text: String(text), ...(to ? { to } : {}) }, "say");
  }

  #say(source: Source, text: string, to: string | undefined) {
    this.#publish(subjects.pluginSay(this.#config.name), this.#checkSay(source, text, to));
  }

  #publish(subject: string, value: unknown) {
    try {
      this.#bus.publish(subject, value);
    } catch (error) {
      // max_payload is checked by the client before sending; the server would refuse it anyway.
      this.#log.warn("publish refused", { subject, error: errorText(error) });
      throw error;
    }
  }
}

/**
 * The lines one command handler produces, kept in the order its code produced them. Its reply
 * travels back as the answer to the router's request, while a say is a publish on another
 * subject; were each sent on its own path, a say made after `ctx.reply` (or after the line the
 * handler returns, as a game's "over!" after "you got it") could reach the chat first. So once
 * the handler has a reply line waiting, every later say to the same place (the channel or the
 * user the reply goes to) joins the reply, behind it. Says before any reply line go out at
 * once (a "working on it..." stays immediate: it is published before the reply is sent), as do
 * says to anywhere else; after the handler ends, says are plain publishes again.
 */
type SayFn = (source: Source, text: string, to: string | undefined) => void;

class HandlerOutput {
  readonly #request: CommandExecute;
  readonly #check: SayFn;
  readonly #publish: SayFn;
  /** Reply lines, and says held behind them (with where they were meant to go). */
  readonly #lines: { text: string; say?: { source: Source; to: string | undefined } }[] = [];
  #open = true;

  /** `check` throws what a say would throw (bad text or target); `publish` sends one. */
  constructor(request: CommandExecute, sayWith: { check: SayFn; publish: SayFn }) {
    this.#request = request;
    this.#check = sayWith.check;
    this.#publish = sayWith.publish;
  }

  reply(text: string): void {
    if (this.#open) this.#lines.push({ text });
  }

  say(source: Source, text: string, to: string | undefined): void {
    if (this.#open && this.#lines.length > 0 && this.#sameTarget(source, to)) {
      this.#check(source, text, to);
      this.#lines.push({ text: String(text), say: { source, to } });
    } else {
      this.#publish(source, text, to);
    }
  }

  /**
   * Ends the handler's output and returns the reply's lines. When the reply does not go where
   * the held says were meant to (the handler failed, or switched the reply to private), those
   * says are published, in order, and only the reply lines are returned.
   */
  close(keepSays: boolean): string[] {
    this.#open = false;
    const lines: string[] = [];
    for (const line of this.#lines) {
      if (!line.say || keepSays) lines.push(line.text);
      else {
        try {
          this.#publish(line.say.source, line.text, line.say.to);
        } catch {
          // Checked when it was said; a refused publish was logged by the host.
        }
      }
    }
    return lines;
  }

  #sameTarget(source: Source, to: string | undefined): boolean {
    const request = this.#request;
    const replyTo = request.private ? request.user.name : undefined;
    return source.platform === request.source.platform &&
      source.channel === request.source.channel &&
      to?.toLowerCase() === replyTo?.toLowerCase();
  }
}

class HookTimeout extends Error {
  override name = "HookTimeout";
}

function fail(
  code: Extract<CommandResult, { ok: false }>["error"]["code"],
  message: string,
): CommandResult {
  return { ok: false, error: { code, message } };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new HookTimeout(`${what} took longer than ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
