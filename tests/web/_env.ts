/**
 * The web service against a real nats-server with the core streams, the stats service, and a
 * fake CyTube server through the real connector; the web service connects as `svc-web` with
 * exactly its role's rights, and listens on a free loopback port.
 *
 * @module
 */
import { ensureCoreStreams, streamAdminRole } from "@quicksilver/core";
import { TestNats } from "@quicksilver/testing";
import {
  CYTUBE_PLATFORM,
  CytubeConnector,
  cytubeConnectorRole,
} from "../../connectors/cytube/mod.ts";
import { statsRole, StatsService } from "../../services/stats/mod.ts";
import {
  hashPassword,
  webRole,
  WebSectionSchema,
  WebService,
  type WebServiceOptions,
} from "../../services/web/mod.ts";
import { type FakeCytube, startFakeCytube } from "../fake_cytube/mod.ts";

export const BOT = { name: "rosey", password: "hunter2", rank: 3 } as const;
export const OPERATOR = { user: "olive", password: "correct horse battery" } as const;

/** One hash for the whole file: scrypt is slow on purpose. */
let operatorHash: Promise<string> | undefined;

export class WebEnv {
  nats!: TestNats;
  fake!: FakeCytube;
  connector: CytubeConnector | undefined;
  stats!: StatsService;
  web!: WebService;
  dir!: string;

  static async start(
    options: { connector?: boolean; web?: Partial<WebServiceOptions>; webConfig?: object } = {},
  ): Promise<WebEnv> {
    const env = new WebEnv();
    try {
      env.dir = await Deno.makeTempDir({ prefix: "quicksilver-web-" });
      env.nats = await TestNats.start();
      const admin = streamAdminRole();
      const adminBus = await env.nats.connect(admin.name, admin.permissions);
      await ensureCoreStreams(adminBus);
      await adminBus.close();
      env.fake = await startFakeCytube({
        accounts: { [BOT.name]: { password: BOT.password, rank: BOT.rank } },
      });
      const s = statsRole();
      env.stats = await StatsService.start(await env.nats.connect(s.name, s.permissions), {
        dir: `${env.dir}/stats`,
      });
      if (options.connector !== false) await env.startConnector();
      await env.startWeb(options);
    } catch (error) {
      await env.close();
      throw error;
    }
    return env;
  }

  async startConnector(): Promise<CytubeConnector> {
    const c = cytubeConnectorRole();
    this.connector = await CytubeConnector.start(
      await this.nats.connect(c.name, c.permissions),
      {
        server: this.fake.url,
        channel: this.fake.channel,
        user: { name: BOT.name, password: BOT.password },
        reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
        healthIntervalMs: 60_000,
      },
    );
    await this.connector.ready();
    return this.connector;
  }

  async startWeb(
    options: { web?: Partial<WebServiceOptions>; webConfig?: object } = {},
  ): Promise<WebService> {
    operatorHash ??= hashPassword(OPERATOR.password);
    const role = webRole();
    this.web = await WebService.start(await this.nats.connect(role.name, role.permissions), {
      config: WebSectionSchema.parse({
        listen: "127.0.0.1:0",
        accounts: { [OPERATOR.user]: await operatorHash },
        ...options.webConfig,
      }),
      stateDir: `${this.dir}/web`,
      channels: [{ platform: CYTUBE_PLATFORM, channel: this.fake.channel }],
      outbox: { retryDelayMs: 100 },
      ...options.web,
    });
    return this.web;
  }

  /** Logs in as the operator: the session cookie and its CSRF token. */
  async login(): Promise<{ cookie: string; csrf: string }> {
    const response = await fetch(`${this.web.url}/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(OPERATOR),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(`login failed: ${JSON.stringify(body)}`);
    const cookie = response.headers.get("set-cookie")?.split(";")[0];
    if (!cookie) throw new Error("no session cookie");
    return { cookie, csrf: body.csrf };
  }

  /** Creates an API token with `scope` through the API, as an operator would. */
  async token(scope: "read" | "say" | "admin"): Promise<string> {
    const { cookie, csrf } = await this.login();
    const response = await fetch(`${this.web.url}/api/tokens`, {
      method: "POST",
      headers: { cookie, "x-csrf-token": csrf, "content-type": "application/json" },
      body: JSON.stringify({ name: `test-${scope}`, scope }),
    });
    const body = await response.json();
    if (response.status !== 201) throw new Error(`token not created: ${JSON.stringify(body)}`);
    return body.token;
  }

  async close(): Promise<void> {
    await this.web?.close();
    await this.connector?.close();
    await this.stats?.close();
    await this.fake?.close();
    await this.nats?.close();
    if (this.dir) await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
