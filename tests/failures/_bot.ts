/**
 * A small running bot for failure tests: a private nats-server, the plugin manager with the
 * given plugin files, the router, and a test connector ("test" platform) that sends chat lines
 * and collects what the bot says, each line in its own channel so answers match questions.
 */
import {
  ChatActionSchema,
  connectorRole,
  createEnvelope,
  type EventBus,
  type SecurityViolation,
  SecurityViolationSchema,
  subjects,
} from "@quicksilver/core";
import { CommandRouter, type CommandRouterOptions, routerRole } from "../../services/router/mod.ts";
import { PluginManager } from "@quicksilver/sandbox";
import { TestNats, waitFor } from "@quicksilver/testing";
import { REPO_ROOT } from "@quicksilver/testbed";

export const PLATFORM = "test";

export interface Said {
  channel: string;
  text: string;
  at: number;
}

export class FailureBot implements AsyncDisposable {
  readonly said: Said[] = [];
  /** Every `rosey.security.violation`, from before the router started. */
  violations: SecurityViolation[] = [];
  #sequence = 0;

  private constructor(
    readonly nats: TestNats,
    readonly manager: PluginManager,
    readonly router: CommandRouter,
    readonly routerBus: EventBus,
    readonly connector: EventBus,
    readonly dataDir: string,
  ) {}

  static async start(
    pluginFiles: string[],
    options: { timeoutMs?: number; router?: Partial<CommandRouterOptions> } = {},
  ): Promise<FailureBot> {
    const nats = await TestNats.start();
    const violations: SecurityViolation[] = [];
    const observer = await nats.connect("violation-observer");
    observer.subscribe(subjects.securityViolation(), (v) => void violations.push(v), {
      schema: SecurityViolationSchema,
    });
    await observer.flush();
    const dataDir = await Deno.makeTempDir({ prefix: "quicksilver-failures-" });
    const manager = new PluginManager({
      authority: nats.authority,
      servers: nats.url,
      pluginFiles,
      dataDir,
      restartPolicy: { initialDelayMs: 100 },
    });
    await manager.start();
    const r = routerRole();
    const routerBus = await nats.connect(r.name, r.permissions);
    const router = await CommandRouter.start(routerBus, {
      timeoutMs: options.timeoutMs ?? 1500,
      limits: {
        perUser: { burst: 100_000, perSecond: 100_000 },
        perPlugin: { burst: 100_000, perSecond: 100_000 },
      },
      ...options.router,
    });
    const c = connectorRole(PLATFORM);
    const connector = await nats.connect(c.name, c.permissions);
    const bot = new FailureBot(nats, manager, router, routerBus, connector, dataDir);
    bot.violations = violations;
    connector.subscribe(subjects.platformAction(PLATFORM, "chat"), (action) => {
      bot.said.push({ channel: action.channel, text: action.text, at: performance.now() });
    }, { schema: ChatActionSchema });
    await connector.flush();
    return bot;
  }

  /** Types `text` as `user`; returns the channel its answer will carry. */
  type(text: string, user = "tester"): string {
    const channel = `c${++this.#sequence}`;
    this.connector.publish(
      subjects.event("message"),
      createEnvelope("message", { platform: PLATFORM, channel }, {
        user: { name: user, rank: 1 },
        text,
      }),
    );
    return channel;
  }

  answerIn(channel: string): Said | undefined {
    return this.said.find((s) => s.channel === channel);
  }

  /** Types `text` until it is answered (the bot may still be reconnecting). */
  async askUntilAnswered(text: string, timeoutMs = 30_000): Promise<Said> {
    return await waitFor(async () => {
      const channel = this.type(text);
      await new Promise((resolve) => setTimeout(resolve, 300));
      return this.answerIn(channel);
    }, { timeoutMs, what: `an answer to ${text}` });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.router.close();
    await this.manager.stop();
    await this.nats.close();
    await Deno.remove(this.dataDir, { recursive: true }).catch(() => undefined);
  }
}

export const plugin = (name: string) => `${REPO_ROOT}/plugins/${name}.ts`;
export const fixture = (path: string) => new URL(path, import.meta.url).pathname;
