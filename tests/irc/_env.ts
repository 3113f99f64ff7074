/**
 * One end-to-end setup for the IRC tests: a real IRC server (InspIRCd or ngIRCd), a real
 * nats-server with the core streams, the real router and moderator shell, a real sandboxed
 * dice plugin, and the IRC connector as its least-privilege NATS user, connected to the
 * server's bot port.
 *
 * @module
 */
import { ensureCoreStreams, type EventBus, streamAdminRole } from "@quicksilver/core";
import { CommandRouter, routerRole } from "../../services/router/mod.ts";
import { moderatorRole } from "../../services/moderator/mod.ts";
import { PluginManager, type PluginSettingsInput } from "@quicksilver/sandbox";
import {
  type IrcdKind,
  IrcServer,
  type IrcServerOptions,
  TEST_BOT_PACING,
  TestNats,
  waitFor,
} from "@quicksilver/testing";
import {
  IRC_PLATFORM,
  IrcConnector,
  ircConnectorRole,
  type IrcNetworkConfig,
} from "../../connectors/irc/mod.ts";
import { ModeratorService } from "../../services/moderator/mod.ts";
import { REPO_ROOT } from "@quicksilver/testbed";
import { readPluginStorage } from "@quicksilver/sdk/testing";

export const CHANNEL = "#rosey";
/** Each server's network is named after it: rooms are `inspircd/#rosey`, `ngircd/#rosey`. */
export const roomOf = (kind: IrcdKind) => `${kind}/${CHANNEL}`;
export const BOT_NICK = "rosey";
export const SERVERS: IrcdKind[] = ["inspircd", "ngircd"];

export interface IrcEnvOptions {
  server?: IrcServerOptions;
  network?: Partial<IrcNetworkConfig>;
  /** Start the connector now (default true) and wait until it joined (default true). */
  startConnector?: boolean;
  /** Sandboxed plugins to run (default `["dice"]`; none: no plugin manager at all). */
  plugins?: string[];
  /** The operator's settings per plugin (`plugins.<name>`: config, grants). */
  pluginSettings?: Readonly<Record<string, PluginSettingsInput>>;
}

export class IrcEnv implements AsyncDisposable {
  servers: IrcServer[] = [];
  networks: IrcNetworkConfig[] = [];
  nats!: TestNats;
  router!: CommandRouter;
  moderator!: ModeratorService;
  connector: IrcConnector | undefined;
  connectorBus!: EventBus;
  #manager: PluginManager | undefined;
  #dataDir: string | undefined;

  /** The first server and its network (the only ones in single-server tests). */
  get server(): IrcServer {
    return this.servers[0]!;
  }
  get network(): IrcNetworkConfig {
    return this.networks[0]!;
  }
  set network(network: IrcNetworkConfig) {
    this.networks[0] = network;
  }

  /** One server, or several at once: then one connector serves a network on each. */
  static async start(
    kinds: IrcdKind | IrcdKind[],
    options: IrcEnvOptions = {},
  ): Promise<IrcEnv> {
    const env = new IrcEnv();
    try {
      await env.#start(typeof kinds === "string" ? [kinds] : kinds, options);
    } catch (error) {
      await env.close();
      throw error;
    }
    return env;
  }

  async #start(kinds: IrcdKind[], options: IrcEnvOptions) {
    const [nats, ...servers] = await Promise.all([
      TestNats.start(),
      ...kinds.map((kind) => IrcServer.start(kind, options.server)),
    ]);
    this.nats = nats as TestNats;
    this.servers = servers as IrcServer[];
    const admin = streamAdminRole();
    const adminBus = await this.nats.connect(admin.name, admin.permissions);
    await ensureCoreStreams(adminBus);
    await adminBus.close();
    const plugins = options.plugins ?? ["dice"];
    if (plugins.length) {
      this.#dataDir = await Deno.makeTempDir({ prefix: "quicksilver-irc-e2e-" });
      this.#manager = new PluginManager({
        authority: this.nats.authority,
        servers: this.nats.url,
        pluginFiles: plugins.map((name) => `${REPO_ROOT}/plugins/${name}.ts`),
        dataDir: this.#dataDir,
        ...(options.pluginSettings ? { plugins: options.pluginSettings } : {}),
      });
      await this.#manager.start();
    }
    const r = routerRole();
    // Users may burst here: the tests measure the bot's own pacing, not the router's limits.
    this.router = await CommandRouter.start(await this.nats.connect(r.name, r.permissions), {
      limits: {
        perUser: { burst: 100, perSecond: 100 },
        perPlugin: { burst: 100, perSecond: 100 },
      },
    });
    const m = moderatorRole();
    this.moderator = await ModeratorService.start(await this.nats.connect(m.name, m.permissions));
    if (plugins.includes("dice")) {
      await waitFor(() => this.router.table.resolve("roll")?.running === true, {
        what: "dice running",
        timeoutMs: 20_000,
      });
    }
    const role = ircConnectorRole(IRC_PLATFORM);
    this.connectorBus = await this.nats.connect(role.name, role.permissions);
    this.networks = this.servers.map((server) => ({
      name: server.kind,
      profile: "irc",
      host: "127.0.0.1",
      port: server.botPort,
      tls: false,
      tlsVerify: true,
      nick: BOT_NICK,
      channels: [CHANNEL],
      pacing: TEST_BOT_PACING[server.kind],
      reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
      ...options.network,
    }));
    if (options.startConnector ?? true) await this.startConnector();
  }

  async startConnector(wait = true): Promise<IrcConnector> {
    this.connector = await IrcConnector.start(this.connectorBus, {
      platform: IRC_PLATFORM,
      networks: this.networks,
      healthIntervalMs: 60_000,
      regainNickMs: 60_000,
    });
    if (wait) await this.connector.ready(15_000);
    return this.connector;
  }

  /** What plugin `name` keeps in its storage (its KV bucket `plugin_<name>`), by key. */
  async pluginStorage(name: string): Promise<Record<string, unknown>> {
    const bus = await this.nats.connect("storage-reader");
    try {
      return await readPluginStorage(bus.connection, name);
    } finally {
      await bus.close();
    }
  }

  async close(): Promise<void> {
    await this.connector?.close();
    await this.moderator?.close();
    await this.router?.close();
    await this.#manager?.stop();
    await this.nats?.close();
    await Promise.all(this.servers.map((server) => server.close()));
    if (this.#dataDir) await Deno.remove(this.#dataDir, { recursive: true }).catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
