/**
 * `nats.delivery: durable` on a real nats-server: the core streams made by the stream admin, a
 * connector-side bus (least-privilege `connectorRole`) that publishes chat events into
 * `ROSEY_EVENTS` and takes actions through `takeActions`, routers connected with `routerRole`,
 * and fake plugins serving their execute subject in the SDK's queue group.
 */
import {
  actionConsumerName,
  type CommandExecute,
  CommandExecuteSchema,
  type CommandResult,
  connectorRole,
  createEnvelope,
  ensureCoreStreams,
  type EventBus,
  streamAdminRole,
  STREAMS,
  subjects,
  takeActions,
} from "@quicksilver/core";
import { CommandRouter, type CommandRouterOptions, routerRole } from "../../services/router/mod.ts";
import { Inbox, TestNats, waitFor } from "@quicksilver/testing";
import { CHANNEL, PLATFORM, type SentAction, table } from "./_fixture.ts";

export { CHANNEL, PLATFORM };

/** The plugin table every router here is given: `echo` with `!echo`. */
export const ECHO_TABLE = table(1, [{ name: "echo", commands: [{ name: "echo" }] }]);

export class DurableEnv implements AsyncDisposable {
  readonly nats: TestNats;
  /** The connector's bus: publishes events, takes actions. */
  readonly connector: EventBus;
  /** A bus with all rights: serves the plugin table, plays plugins. */
  readonly world: EventBus;
  /** Every action the connector took, in order. */
  readonly actions = new Inbox<SentAction>();
  readonly routers: CommandRouter[] = [];

  private constructor(nats: TestNats, connector: EventBus, world: EventBus) {
    this.nats = nats;
    this.connector = connector;
    this.world = world;
  }

  static async start(): Promise<DurableEnv> {
    const nats = await TestNats.start();
    try {
      const admin = streamAdminRole();
      await ensureCoreStreams(await nats.connect(admin.name, admin.permissions), {
        delivery: "durable",
      });
      const role = connectorRole(PLATFORM);
      const connector = await nats.connect(role.name, role.permissions);
      const world = await nats.connect("world");
      world.serve(subjects.adminPlugins("list"), () => ECHO_TABLE);
      await world.flush();
      const env = new DurableEnv(nats, connector, world);
      const taking = takeActions(connector, {
        platform: PLATFORM,
        channel: CHANNEL,
        delivery: "durable",
      }, (value, context) => {
        const action = value as Omit<SentAction, "kind">;
        env.actions.push({ kind: context.action as "chat" | "pm", ...action });
        if (context.reply) connector.publish(context.reply, { ok: true });
      });
      env.#stops.push(() => taking.drain());
      await taking.ready;
      return env;
    } catch (error) {
      await nats.close();
      throw error;
    }
  }

  readonly #stops: (() => Promise<void>)[] = [];

  /** Starts a router in durable mode on its own least-privilege bus. */
  async router(options: CommandRouterOptions = {}): Promise<CommandRouter> {
    const role = routerRole();
    const bus = await this.nats.connect(role.name, role.permissions);
    const router = await CommandRouter.start(bus, {
      delivery: "durable",
      limits: {
        perUser: { burst: 1000, perSecond: 1000 },
        perPlugin: { burst: 1000, perSecond: 1000 },
      },
      ...options,
    });
    this.routers.push(router);
    return router;
  }

  /**
   * A fake replica of plugin `name`: serves its execute subject in the queue group `name`, as
   * the SDK does. Returns what it received and its bus (close it to play a host that died).
   */
  async plugin(
    name: string,
    handler: (request: CommandExecute) => CommandResult | Promise<CommandResult>,
  ): Promise<{ received: Inbox<CommandExecute>; bus: EventBus }> {
    const received = new Inbox<CommandExecute>();
    const bus = await this.nats.connect(`plugin-${name}-${crypto.randomUUID().slice(0, 8)}`);
    bus.serve(subjects.commandExecute(name), async (request: CommandExecute) => {
      received.push(request);
      return await handler(request);
    }, { schema: CommandExecuteSchema, queue: name });
    await bus.flush();
    return { received, bus };
  }

  /** Says `text` in the channel as `user`: a durable publish into `ROSEY_EVENTS`, as connectors do. */
  async say(text: string, user = "alice"): Promise<string> {
    const envelope = createEnvelope("message", { platform: PLATFORM, channel: CHANNEL }, {
      user: { name: user, rank: 0 },
      text,
    });
    await this.connector.durable.publish(subjects.event("message"), envelope, {
      messageId: envelope.id,
    });
    return envelope.id;
  }

  /**
   * Waits until the connector's consumer has been handed, and has acked, everything in
   * `ROSEY_ACTIONS`: after this, no further copy of any action can still arrive.
   */
  async actionsSettled(timeoutMs = 20_000): Promise<void> {
    const jsm = await import("@nats-io/jetstream").then((js) =>
      js.jetstreamManager(this.world.connection)
    );
    await waitFor(async () => {
      const stream = await jsm.streams.info(STREAMS.actions);
      const consumer = await jsm.consumers.info(
        STREAMS.actions,
        actionConsumerName(PLATFORM, CHANNEL),
      );
      return consumer.delivered.stream_seq >= stream.state.last_seq &&
        consumer.num_ack_pending === 0 && consumer.num_pending === 0;
    }, { timeoutMs, what: "the connector to have taken every stored action" });
  }

  /** Waits until the routers' shared consumer has nothing pending or unacked. */
  async commandsSettled(timeoutMs = 30_000): Promise<void> {
    const jsm = await import("@nats-io/jetstream").then((js) =>
      js.jetstreamManager(this.world.connection)
    );
    await waitFor(async () => {
      const consumer = await jsm.consumers.info(STREAMS.events, "router");
      return consumer.num_ack_pending === 0 && consumer.num_pending === 0;
    }, { timeoutMs, what: "the routers to have acked every command" });
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.routers.map((router) => router.close()));
    await Promise.allSettled(this.#stops.map((stop) => stop()));
    await this.nats.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
