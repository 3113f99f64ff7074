/**
 * The parity services against a real nats-server with the core streams and a fake CyTube
 * server through the real connector; every service connects as its own least-privilege user.
 *
 * @module
 */
import {
  type AuditRecord,
  AuditRecordSchema,
  ensureCoreStreams,
  type EventBus,
  type PrivateMessageAction,
  PrivateMessageActionSchema,
  streamAdminRole,
  subjects,
} from "@quicksilver/core";
import { chatlogRole } from "../../services/chatlog/mod.ts";
import { moderatorRole } from "../../services/moderator/mod.ts";
import { statsRole } from "../../services/stats/mod.ts";
import { TestNats, waitFor } from "@quicksilver/testing";
import {
  CYTUBE_PLATFORM,
  CytubeConnector,
  cytubeConnectorRole,
} from "../../connectors/cytube/mod.ts";
import { ChatLogService } from "../../services/chatlog/mod.ts";
import { ModeratorService } from "../../services/moderator/mod.ts";
import { StatsService } from "../../services/stats/mod.ts";
import { type FakeCytube, type FakeCytubeOptions, startFakeCytube } from "../fake_cytube/mod.ts";

/** The bot's account on the fake: an admin, so it may kick moderators but not other admins. */
export const BOT = { name: "rosey", password: "hunter2", rank: 3 } as const;

export class ServicesEnv {
  nats!: TestNats;
  fake!: FakeCytube;
  connector!: CytubeConnector;
  moderator!: ModeratorService;
  stats: StatsService | undefined;
  chatlog: ChatLogService | undefined;
  /** A full-rights observer: PM actions and audit records seen on the bus. */
  observer!: EventBus;
  readonly pmActions: PrivateMessageAction[] = [];
  readonly audits: AuditRecord[] = [];
  dir!: string;

  static async start(
    options: { fake?: FakeCytubeOptions; stats?: boolean; chatlog?: boolean } = {},
  ): Promise<ServicesEnv> {
    const env = new ServicesEnv();
    try {
      await env.#start(options);
    } catch (error) {
      await env.close();
      throw error;
    }
    return env;
  }

  async #start(options: { fake?: FakeCytubeOptions; stats?: boolean; chatlog?: boolean }) {
    this.dir = await Deno.makeTempDir({ prefix: "quicksilver-services-" });
    this.nats = await TestNats.start();
    const admin = streamAdminRole();
    const adminBus = await this.nats.connect(admin.name, admin.permissions);
    await ensureCoreStreams(adminBus);
    await adminBus.close();
    this.observer = await this.nats.connect("test-observer");
    this.observer.subscribe(subjects.platformAction(CYTUBE_PLATFORM, "pm"), (action) => {
      this.pmActions.push(action);
    }, { schema: PrivateMessageActionSchema });
    this.observer.subscribe(subjects.audit("moderator"), (record) => {
      this.audits.push(record);
    }, { schema: AuditRecordSchema });
    await this.observer.flush();
    this.fake = await startFakeCytube({
      accounts: { [BOT.name]: { password: BOT.password, rank: BOT.rank } },
      ...options.fake,
    });
    if (options.stats) await this.startStats();
    if (options.chatlog) await this.startChatlog();
    const m = moderatorRole();
    this.moderator = await ModeratorService.start(await this.nats.connect(m.name, m.permissions));
    const c = cytubeConnectorRole();
    this.connector = await CytubeConnector.start(await this.nats.connect(c.name, c.permissions), {
      server: this.fake.url,
      channel: this.fake.channel,
      user: { name: BOT.name, password: BOT.password },
      reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
      healthIntervalMs: 60_000,
    });
    await this.connector.ready();
  }

  /** Starts stats as its own user; `dir` is the state dir (another one: another host). */
  async startStats(dir = this.dir): Promise<StatsService> {
    const role = statsRole();
    this.stats = await StatsService.start(await this.nats.connect(role.name, role.permissions), {
      dir: `${dir}/stats`,
    });
    return this.stats;
  }

  /** Starts the chat log as its own user, logging under `<dir>/logs`. */
  async startChatlog(dir = this.dir): Promise<ChatLogService> {
    const role = chatlogRole();
    this.chatlog = await ChatLogService.start(
      await this.nats.connect(role.name, role.permissions),
      { dir: `${dir}/logs` },
    );
    return this.chatlog;
  }

  /** PMs the fake server delivered from the bot to `to`, as sent. */
  pmsTo(to: string): string[] {
    return this.fake.chatAttempts
      .filter((a) => a.kind === "pm" && a.accepted && a.from === BOT.name && a.to === to)
      .map((a) => a.msg);
  }

  /** Sends `text` as a PM from `from` and waits for the bot's complete reply to it. */
  async ask(from: string, text: string, timeoutMs = 5000): Promise<string> {
    const before = this.audits.length;
    const sentBefore = this.pmActions.filter((a) => a.to === from).length;
    this.fake.pm(from, BOT.name, text);
    // The audit's final record follows the reply's last chunk: wait for both.
    await waitFor(
      () => this.audits.slice(before).some((r) => r.actor === from && r.result !== "pending"),
      { timeoutMs, what: `the final audit record of "${text}"` },
    );
    const replies = this.pmActions.filter((a) => a.to === from).slice(sentBefore);
    const expected = replies.map((a) => a.text).join("\n");
    // The connector may cut a chunk again to CyTube's 320 characters: compare without spaces.
    const squeeze = (t: string) => t.replace(/\s+/g, "");
    await this.fake.waitFor(
      () => squeeze(this.pmsTo(from).join("")).endsWith(squeeze(expected)),
      timeoutMs,
      `the reply to "${text}" delivered`,
    );
    return expected;
  }

  async close(): Promise<void> {
    await this.moderator?.close();
    await this.connector?.close();
    await this.stats?.close();
    await this.chatlog?.close();
    await this.fake?.close();
    await this.nats?.close();
    if (this.dir) await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
