/**
 * The manager's operator interface on the bus: `rosey.admin.plugins.<op>` request/reply for
 * list/start/stop/restart/reload and install/update/remove (the files are written by
 * `deno task plugins install|update` first; the manager only switches), used by `deno task plugins` and by chat admin commands.
 * Only services and operators hold publish rights on `rosey.admin.>`; plugins are denied it.
 */
import {
  type BusSubscription,
  type EventBus,
  type PluginStatus,
  subjects,
} from "@quicksilver/core";
import { z } from "zod";

export const ADMIN_OPS = [
  "list",
  "start",
  "stop",
  "restart",
  "reload",
  "install",
  "update",
  "remove",
] as const;
export type AdminOp = typeof ADMIN_OPS[number];

export const AdminRequestSchema = z.object({ plugin: z.string().max(64).optional() });
export type AdminRequest = z.infer<typeof AdminRequestSchema>;

export type AdminReply =
  | { ok: true; plugins: PluginStatus[]; message?: string }
  | { ok: false; error: { code: string; message: string } };

export interface AdminTarget {
  list(): PluginStatus[];
  /** Every plugin host's statuses (each with `host`); `list` answers with these. */
  listEveryHost?(): PluginStatus[];
  startPlugin(name: string): Promise<PluginStatus>;
  stopPlugin(name: string): Promise<PluginStatus>;
  restartPlugin(name: string): Promise<PluginStatus>;
  reload(): Promise<string>;
  /** Starts a plugin just put in the installed dir; throws if its first start fails. */
  installPlugin(name: string): Promise<PluginStatus>;
  /** Switches to its staged update; rolls back and throws if that fails its first start. */
  updatePlugin(name: string): Promise<PluginStatus>;
  /** Stops and forgets an installed plugin. */
  removePlugin(name: string): Promise<PluginStatus>;
}

export function serveAdmin(bus: EventBus, target: AdminTarget): BusSubscription[] {
  return ADMIN_OPS.map((op) =>
    bus.serve<AdminRequest, AdminReply>(subjects.adminPlugins(op), async (request) => {
      try {
        if (op === "list") return { ok: true, plugins: target.listEveryHost?.() ?? target.list() };
        if (op === "reload") {
          const message = await target.reload();
          return { ok: true, plugins: target.list(), message };
        }
        if (!request.plugin) {
          return {
            ok: false,
            error: { code: "invalid_args", message: `${op} needs {"plugin": "<name>"}` },
          };
        }
        const actions = {
          start: target.startPlugin,
          stop: target.stopPlugin,
          restart: target.restartPlugin,
          install: target.installPlugin,
          update: target.updatePlugin,
          remove: target.removePlugin,
        };
        const action = actions[op];
        const status = await action.call(target, request.plugin);
        return { ok: true, plugins: [status] };
      } catch (error) {
        return {
          ok: false,
          error: {
            code: "failed",
            message: error instanceof Error ? error.message : String(error),
          },
        };
      }
    }, { schema: AdminRequestSchema })
  );
}
