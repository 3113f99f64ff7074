/**
 * A test bed for plugin authors: a private nats-server, the real plugin manager and your plugin
 * in its real sandbox. Send it commands as any user and rank, read what it says, feed it events,
 * restart it, look at its storage.
 *
 * @example
 * ```ts ignore
 * import { PluginTestBed } from "@quicksilver/sdk/testing";
 * import assert from "node:assert/strict";
 *
 * Deno.test("!flip answers heads or tails", async () => {
 *   await using bed = await PluginTestBed.start("plugins/dice.ts");
 *   const result = await bed.command("!flip", { user: "alice" });
 *   assert.match(bed.text(result), /alice flipped a coin: (heads|tails)/);
 * });
 * ```
 */
import {
  type CommandResult,
  CommandResultSchema,
  createEnvelope,
  type EventBus,
  type EventType,
  type Logger,
  type PluginSay,
  PluginSaySchema,
  type PluginStatus,
  type SecurityViolation,
  SecurityViolationSchema,
  type Source,
  subjects,
} from "@quicksilver/core";
import {
  PluginManager,
  type PluginManagerOptions,
  type PluginSettingsInput,
} from "@quicksilver/sandbox";
import { TestNats, waitFor } from "@quicksilver/testbed";
import type { NatsConnection } from "@nats-io/transport-node";
// The router's own policy: rank and cooldown are decided there, once (the plugin host does not
// check again), so the bed asks the same code before it sends a command.
import { CommandPolicy, PluginTableStore } from "../../services/router/mod.ts";
import { decodeStorageKey } from "./storage.ts";

export interface TestBedOptions {
  /** The operator's settings for the plugin: config, grants, limits. */
  settings?: PluginSettingsInput;
  /** Faster heartbeats etc. for tests (defaults: 250 ms heartbeat, 5 s command timeout). */
  timings?: PluginManagerOptions["timings"];
  restartPolicy?: PluginManagerOptions["restartPolicy"];
  /** Where commands come from. Default `{ platform: "shell", channel: "test" }`. */
  source?: Source;
  logger?: Logger;
  /** The bot's chat identity the plugin sees (`ctx.bot`). Default `rosey`, prefix `!`. */
  bot?: { name?: string; commandPrefix?: string };
  /**
   * The bot's environment as the manager sees it, for `<secret>Env` config keys (the test
   * process's own environment is left alone). Default: empty.
   */
  env?: Readonly<Record<string, string>>;
  /** Fail `start()` unless the plugin is running. Default true; false to test refusals. */
  requireRunning?: boolean;
}

/** The deadline a test command carries unless it says otherwise: the router's default. */
const DEFAULT_COMMAND_DEADLINE_MS = 5000;

export interface CommandAs {
  user?: string;
  /** Normalized rank (see RANKS). Default 1 (a registered user). */
  rank?: number;
  private?: boolean;
  /**
   * The command's deadline (`deadlineMs`), as the router would send it from `router.timeoutMs`.
   * Default 5000 ms; the reply is awaited a second longer, so the plugin's own `timeout`
   * answer arrives.
   */
  timeoutMs?: number;
}

export class PluginTestBed implements AsyncDisposable {
  readonly name: string;
  readonly nats: TestNats;
  readonly manager: PluginManager;
  /** The plugin's data dir (its scratch files; its storage is a KV bucket, see `storage()`). */
  readonly dataDir: string;
  readonly source: Source;
  /** Everything the plugin said on its own (`ctx.say`), in order. */
  readonly said: PluginSay[] = [];
  /** Violations the manager reported for it. */
  readonly violations: SecurityViolation[] = [];
  readonly #client: EventBus;
  readonly #root: string;
  #messageId = 0;
  // Rate limits lifted: a test sends commands faster than a person would.
  readonly #policy = new CommandPolicy({
    perUser: { burst: 1_000_000, perSecond: 1_000_000 },
    perPlugin: { burst: 1_000_000, perSecond: 1_000_000 },
  });
  readonly #table = new PluginTableStore();
  #tableRevision = 0;

  private constructor(
    name: string,
    nats: TestNats,
    manager: PluginManager,
    client: EventBus,
    root: string,
    source: Source,
  ) {
    this.name = name;
    this.nats = nats;
    this.manager = manager;
    this.#client = client;
    this.#root = root;
    this.dataDir = `${root}/${name}`;
    this.source = source;
  }

  /** Starts a server, the manager and the plugin in `file`; resolves once it answers. */
  static async start(file: string, options: TestBedOptions = {}): Promise<PluginTestBed> {
    const name = (file.split("/").pop() ?? "").replace(/\.ts$/, "");
    const nats = await TestNats.start();
    const root = await Deno.makeTempDir({ prefix: `quicksilver-plugin-${name}-` });
    let manager: PluginManager | undefined;
    try {
      const client = await nats.connect("plugin-tester");
      const source = options.source ?? { platform: "shell", channel: "test" };
      manager = new PluginManager({
        authority: nats.authority,
        servers: nats.url,
        pluginFiles: [file],
        dataDir: root,
        plugins: options.settings ? { [name]: options.settings } : {},
        serverLogFile: nats.server.options.logFile,
        monitorUrl: nats.server.monitorUrl,
        timings: { heartbeatMs: 250, ...options.timings },
        restartPolicy: { initialDelayMs: 100, ...options.restartPolicy },
        bot: { name: "rosey", commandPrefix: "!", ...options.bot },
        env: (variable) => options.env?.[variable],
        ...(options.logger ? { logger: options.logger } : {}),
      });
      const bed = new PluginTestBed(name, nats, manager, client, root, source);
      client.subscribe(subjects.pluginSay(name), (say) => void bed.said.push(say), {
        schema: PluginSaySchema,
      });
      client.subscribe(subjects.securityViolation(), (v) => {
        if (v.plugin === name) bed.violations.push(v);
      }, { schema: SecurityViolationSchema });
      await client.flush();
      await manager.start();
      const status = bed.status();
      if (options.requireRunning !== false && status.state !== "running") {
        throw new Error(
          `plugin ${name} did not start: ${status.state}: ${status.reason ?? "no reason given"}`,
        );
      }
      return bed;
    } catch (error) {
      await manager?.stop();
      await nats.close();
      await Deno.remove(root, { recursive: true }).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Sends a command the way the router would (`"!roll 2d6"` or `"roll 2d6"`) and returns the
   * plugin's `CommandResult`. The router's rank and cooldown policy applies first: a refusal
   * comes back as `not_permitted` or `rate_limited` with the notice the user would read.
   */
  async command(text: string, as: CommandAs = {}): Promise<CommandResult> {
    const [word, ...args] = splitArgs(text.replace(/^!/, ""));
    const rawArgs = text.replace(/^!?\S+\s?/, "");
    const deadline = as.timeoutMs ?? DEFAULT_COMMAND_DEADLINE_MS;
    const user = { name: as.user ?? "tester", rank: as.rank ?? 1 };
    const refused = this.#admit(word ?? "", user);
    if (refused) return refused;
    return await this.#client.request(subjects.commandExecute(this.name), {
      command: word ?? "",
      args,
      rawArgs,
      user,
      source: this.source,
      ...(as.private ? { private: true } : {}),
      messageId: `test-${++this.#messageId}`,
      deadlineMs: deadline,
    }, { timeoutMs: deadline + 1000, schema: CommandResultSchema });
  }

  /** The router's verdict on a command, as a result; `undefined` when it would be sent. */
  #admit(word: string, user: { name: string; rank: number }): CommandResult | undefined {
    this.#table.apply({ plugins: [this.status()], revision: ++this.#tableRevision });
    const entry = this.#table.resolve(word);
    // Unknown to the table: the plugin host answers `unknown_command` itself.
    if (!entry) return undefined;
    const verdict = this.#policy.admitCommand(user.name, user.rank, entry, Date.now());
    if (verdict.ok) return undefined;
    const code = user.rank < entry.spec.minRank ? "not_permitted" : "rate_limited";
    return { ok: false, error: { code, message: verdict.notice ?? `!${entry.spec.name} refused` } };
  }

  /** The reply lines joined, or the error message: handy in assertions. */
  text(result: CommandResult): string {
    return result.ok ? result.reply.join("\n") : `${result.error.code}: ${result.error.message}`;
  }

  /** Publishes a normalized event (`message`, `user.join`, ...) as a connector would. */
  emit(type: EventType, payload: unknown): void {
    this.#client.publish(subjects.event(type), createEnvelope(type, this.source, payload));
  }

  /** Waits for the plugin to say something matching. */
  async nextSay(
    predicate: (say: PluginSay) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<PluginSay> {
    return await waitFor(() => this.said.find(predicate), {
      timeoutMs,
      what: `${this.name} to say something`,
    });
  }

  /**
   * The plugin's storage, as the server holds it (its KV bucket `plugin_<name>`): every key with
   * its JSON value. `{}` before the plugin first started.
   */
  async storage(): Promise<Record<string, unknown>> {
    return await readPluginStorage(this.#client.connection, this.name);
  }

  status(): PluginStatus {
    return this.manager.supervisor(this.name).status();
  }

  /** Restarts the plugin (new process, new credentials, same data dir). */
  async restart(): Promise<void> {
    await this.manager.restartPlugin(this.name);
  }

  async stop(): Promise<void> {
    await this.manager.stopPlugin(this.name);
  }

  async start(): Promise<void> {
    await this.manager.startPlugin(this.name);
  }

  async close(): Promise<void> {
    await this.manager.stop();
    await this.nats.close();
    await Deno.remove(this.#root, { recursive: true }).catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Shell-style split: whitespace separates, quotes group. */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    out.push(match[1] ?? match[2] ?? match[3] ?? "");
  }
  return out;
}

/**
 * What plugin `plugin` keeps in its storage (its KV bucket `plugin_<plugin>`) as the server holds
 * it: every live key (decoded) with its JSON value; `{}` before the bucket exists. Read from the
 * stream's subject list and a direct get per key, not with `KV.keys()`: that ordered consumer
 * stalled for 30 s now and then under load (seen in CI), right after a key was deleted.
 */
export async function readPluginStorage(
  connection: NatsConnection,
  plugin: string,
): Promise<Record<string, unknown>> {
  const [{ jetstream, jetstreamManager }, { Kvm }] = await Promise.all([
    import("@nats-io/jetstream"),
    import("@nats-io/kv"),
  ]);
  const bucket = `plugin_${plugin}`;
  const prefix = `$KV.${bucket}.`;
  const out: Record<string, unknown> = {};
  try {
    const jsm = await jetstreamManager(connection);
    const info = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: `${prefix}>` });
    const kv = await new Kvm(jetstream(connection)).open(bucket, { allow_direct: true });
    for (const subject of Object.keys(info.state.subjects ?? {})) {
      const key = subject.slice(prefix.length);
      const entry = await kv.get(key);
      if (entry?.operation === "PUT") out[decodeStorageKey(key)] = JSON.parse(entry.string());
    }
  } catch (error) {
    if (/stream not found/i.test(String(error))) return {};
    throw error;
  }
  return out;
}
