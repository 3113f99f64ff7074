/**
 * The running bot's plugin manager as `deno task plugins install|update|remove` reaches it:
 * a short-lived NATS user allowed to publish only `rosey.admin.plugins.{list,install,update,
 * remove}` and to read its own replies. `connectBotAdmin` resolves to null when no bot is
 * running (no NATS, or no manager answering), so the CLI can work on the files alone.
 */
import {
  BusRequestError,
  EventBus,
  loadOrCreateAuthority,
  mintUser,
  type PluginStatus,
  subjects,
} from "@quicksilver/core";
import type { AdminReply } from "../manager/mod.ts";

const OPS = ["list", "install", "update", "remove"] as const;
export type BotAdminOp = typeof OPS[number];

export interface BotAdmin {
  list(): Promise<PluginStatus[]>;
  /** Asks the manager; resolves with its reply (ok or its error), rejects if it did not answer. */
  ask(op: Exclude<BotAdminOp, "list">, plugin: string): Promise<AdminReply>;
  close(): Promise<void>;
}

export async function connectBotAdmin(
  options: { server: string; stateDir: string },
): Promise<BotAdmin | null> {
  const name = "cli-plugins";
  let bus: EventBus;
  try {
    const authority = await loadOrCreateAuthority(options.stateDir);
    const user = await mintUser(authority, {
      name,
      permissions: {
        publish: { allow: OPS.map((op) => subjects.adminPlugins(op)) },
        subscribe: { allow: [`_INBOX.${name}.>`] },
      },
      expiresInSeconds: 300,
    });
    bus = await EventBus.connect({
      servers: options.server,
      name,
      creds: user.creds,
      waitOnFirstConnect: false,
      connectTimeoutMs: 3000,
    });
  } catch {
    return null;
  }
  const request = (op: BotAdminOp, body: unknown) =>
    bus.request<AdminReply>(subjects.adminPlugins(op), body, { timeoutMs: 90_000 });
  try {
    await bus.request(subjects.adminPlugins("list"), {}, { timeoutMs: 3000 });
  } catch (error) {
    await bus.close();
    if (error instanceof BusRequestError) return null;
    throw error;
  }
  return {
    async list() {
      const reply = await request("list", {});
      return reply.ok ? reply.plugins : [];
    },
    ask: (op, plugin) => request(op, { plugin }),
    close: () => bus.close(),
  };
}
