/**
 * A router on a real nats-server, connected with its least-privilege role, plus fake plugins
 * (plain buses serving `commandExecute(name)`) and a fake platform that records the actions
 * the router sends. Shared by the router tests.
 */
import {
  ChatActionSchema,
  type CommandExecute,
  CommandExecuteSchema,
  type CommandResult,
  type CommandSpecSchema,
  createEnvelope,
  type EventBus,
  type PluginState,
  type PluginTable,
  PluginTableSchema,
  PrivateMessageActionSchema,
  subjects,
} from "@quicksilver/core";
import { CommandRouter, type CommandRouterOptions, routerRole } from "../../services/router/mod.ts";
import { Inbox, TestNats } from "@quicksilver/testing";
import type { z } from "zod";

export const PLATFORM = "test";
export const CHANNEL = "lobby";

export interface SentAction {
  kind: "chat" | "pm";
  channel: string;
  text: string;
  to?: string | undefined;
  origin?: string | undefined;
}

export type CommandInput = z.input<typeof CommandSpecSchema>;

export function table(
  revision: number,
  plugins: { name: string; state?: PluginState; commands: CommandInput[] }[],
): PluginTable {
  return PluginTableSchema.parse({
    revision,
    plugins: plugins.map((p) => ({
      name: p.name,
      state: p.state ?? "running",
      manifest: { name: p.name, version: "1.0.0", commands: p.commands },
    })),
  });
}

export class RouterFixture {
  readonly nats: TestNats;
  readonly router: CommandRouter;
  /** A bus with all rights: the "world" (connector, manager, plugins). */
  readonly world: EventBus;
  /** Every chat and pm action the router sent to the fake platform, in order. */
  readonly actions: Inbox<SentAction>;

  private constructor(
    nats: TestNats,
    router: CommandRouter,
    world: EventBus,
    actions: Inbox<SentAction>,
  ) {
    this.nats = nats;
    this.router = router;
    this.world = world;
    this.actions = actions;
  }

  static async start(
    options: CommandRouterOptions & { table?: PluginTable } = {},
  ): Promise<RouterFixture> {
    const nats = await TestNats.start();
    try {
      const world = await nats.connect("world");
      const actions = new Inbox<SentAction>();
      world.subscribe(subjects.platformAction(PLATFORM, "chat"), (a) => {
        actions.push({ kind: "chat", ...a });
      }, { schema: ChatActionSchema });
      world.subscribe(subjects.platformAction(PLATFORM, "pm"), (a) => {
        actions.push({ kind: "pm", ...a });
      }, { schema: PrivateMessageActionSchema });
      if (options.table) {
        const served = options.table;
        world.serve(subjects.adminPlugins("list"), () => served);
      }
      await world.flush();
      const role = routerRole();
      const routerBus = await nats.connect(role.name, role.permissions);
      const router = await CommandRouter.start(routerBus, {
        requestTableAtStart: true,
        ...options,
      });
      return new RouterFixture(nats, router, world, actions);
    } catch (error) {
      await nats.close();
      throw error;
    }
  }

  /** Publishes a table as the manager would, and waits until the router applied it. */
  async publishTable(value: PluginTable): Promise<void> {
    this.world.publish(subjects.pluginManifests(), value);
    const deadline = Date.now() + 5000;
    while (this.router.table.revision < value.revision) {
      if (Date.now() > deadline) throw new Error(`router did not apply table ${value.revision}`);
      await this.world.flush();
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** A fake plugin serving its execute subject with `handler`; returns what it received. */
  async plugin(
    name: string,
    handler: (request: CommandExecute) => CommandResult | Promise<CommandResult>,
  ): Promise<Inbox<CommandExecute>> {
    const received = new Inbox<CommandExecute>();
    const bus = await this.nats.connect(`plugin-${name}`);
    bus.serve(subjects.commandExecute(name), async (request: CommandExecute) => {
      received.push(request);
      return await handler(request);
    }, { schema: CommandExecuteSchema });
    await bus.flush();
    return received;
  }

  /** Says `text` in the channel as `user` (rank 0 unless given). */
  say(
    text: string,
    user = "alice",
    rank = 0,
    options: { private?: boolean; id?: string } = {},
  ): string {
    const type = options.private ? "pm" : "message";
    const envelope = createEnvelope(type, { platform: PLATFORM, channel: CHANNEL }, {
      user: { name: user, rank },
      text,
      ...(options.private ? { to: "rosey" } : {}),
    }, options.id ? { id: options.id } : {});
    this.world.publish(subjects.event(type), envelope);
    return envelope.id;
  }

  /** Waits until `count` actions arrived and returns their texts. */
  async texts(count: number): Promise<string[]> {
    await this.actions.next(() => this.actions.length >= count, 10_000);
    return this.actions.items.map((a) => a.text);
  }

  async close(): Promise<void> {
    await this.router.close();
    await this.nats.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
