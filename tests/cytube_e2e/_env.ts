/**
 * One end-to-end setup for the CyTube tests: a real nats-server with the core streams, a fake
 * CyTube server, the connector running as its least-privilege NATS user with short reconnect
 * delays, and optionally the real router and a real sandboxed dice plugin.
 *
 * @module
 */

import { ensureCoreStreams, type EventBus, streamAdminRole } from "@quicksilver/core";
import { CommandRouter, routerRole } from "../../services/router/mod.ts";
import { PluginManager, type PluginSettingsInput } from "@quicksilver/sandbox";
import { TestNats, waitFor } from "@quicksilver/testing";
import {
  CytubeConnector,
  type CytubeConnectorOptions,
  cytubeConnectorRole,
} from "../../connectors/cytube/mod.ts";
import { type FakeCytube, type FakeCytubeOptions, startFakeCytube } from "../fake_cytube/mod.ts";
import { REPO_ROOT } from "@quicksilver/testbed";

/** The bot's account on the fake: a moderator, so playlist actions are allowed. */
export const BOT = { name: "rosey", password: "hunter2", rank: 2 } as const;

export interface E2eOptions {
  fake?: FakeCytubeOptions;
  /** Start the router and the sandboxed dice plugin. */
  withPlugin?: boolean;
  /**
   * Start the router and this sandboxed plugin instead of dice (the bot's identity is BOT);
   * `command` is one of its commands, awaited as running.
   */
  plugin?: { file: string; command: string; settings?: PluginSettingsInput };
  connector?: Partial<CytubeConnectorOptions>;
  /** Wait for the bot to be in the channel before returning. Default true. */
  waitReady?: boolean;
  /** `nats.delivery` for the streams, the router and the connector. Default `live`. */
  delivery?: "live" | "durable";
}

export class E2e {
  nats!: TestNats;
  fake!: FakeCytube;
  connector!: CytubeConnector;
  connectorBus!: EventBus;
  router: CommandRouter | undefined;
  #manager: PluginManager | undefined;
  #dataDir: string | undefined;

  static async start(options: E2eOptions = {}): Promise<E2e> {
    const env = new E2e();
    try {
      await env.#start(options);
    } catch (error) {
      await env.close();
      throw error;
    }
    return env;
  }

  async #start(options: E2eOptions): Promise<void> {
    this.nats = await TestNats.start();
    const admin = streamAdminRole();
    const adminBus = await this.nats.connect(admin.name, admin.permissions);
    await ensureCoreStreams(adminBus, { delivery: options.delivery ?? "live" });
    await adminBus.close();
    this.fake = await startFakeCytube({
      accounts: { [BOT.name]: { password: BOT.password, rank: BOT.rank } },
      ...options.fake,
    });
    if (options.withPlugin || options.plugin) {
      const plugin = options.plugin ?? { file: `${REPO_ROOT}/plugins/dice.ts`, command: "roll" };
      const name = plugin.file.replace(/^.*\//, "").replace(/\.ts$/, "");
      this.#dataDir = await Deno.makeTempDir({ prefix: "quicksilver-cytube-e2e-" });
      this.#manager = new PluginManager({
        authority: this.nats.authority,
        servers: this.nats.url,
        pluginFiles: [plugin.file],
        dataDir: this.#dataDir,
        bot: { name: BOT.name, commandPrefix: "!" },
        ...(plugin.settings ? { plugins: { [name]: plugin.settings } } : {}),
      });
      await this.#manager.start();
      const r = routerRole();
      this.router = await CommandRouter.start(await this.nats.connect(r.name, r.permissions), {
        delivery: options.delivery ?? "live",
      });
      await waitFor(() => this.router!.table.resolve(plugin.command)?.running === true, {
        what: `${name} running`,
        timeoutMs: 20_000,
      });
    }
    const c = cytubeConnectorRole();
    this.connectorBus = await this.nats.connect(c.name, c.permissions);
    this.connector = await CytubeConnector.start(this.connectorBus, {
      server: this.fake.url,
      channel: this.fake.channel,
      user: { name: BOT.name, password: BOT.password },
      reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
      healthIntervalMs: 60_000,
      delivery: options.delivery ?? "live",
      ...options.connector,
    });
    if (options.waitReady ?? true) await this.connector.ready();
  }

  /** Lines the fake server accepted from the bot. */
  botLines(): string[] {
    return this.fake.accepted("chat", BOT.name);
  }

  async close(): Promise<void> {
    await this.connector?.close();
    await this.router?.close();
    await this.#manager?.stop();
    await this.fake?.close();
    await this.nats?.close();
    if (this.#dataDir) await Deno.remove(this.#dataDir, { recursive: true }).catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
