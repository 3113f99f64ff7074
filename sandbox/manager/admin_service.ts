/**
 * The manager's operator interface on the bus: `rosey.admin.plugins.<op>` request/reply for
 * list/start/stop/restart/reload, used by `deno task plugins` and by chat admin commands.
 * Only services and operators hold publish rights on `rosey.admin.>`; plugins are denied it.
 */
import {
  type BusSubscription,
  type EventBus,
  type PluginStatus,
  subjects,
} from "@quicksilver/core";
import { z } from "zod";

export const ADMIN_OPS = ["list", "start", "stop", "restart", "reload"] as const;
export type AdminOp = typeof ADMIN_OPS[number];

export const AdminRequestSchema = z.object({ plugin: z.string().max(64).optional() });
export type AdminRequest = z.infer<typeof AdminRequestSchema>;

export type AdminReply =
  | { ok: true; plugins: PluginStatus[]; message?: string }
  | { ok: false; error: { code: string; message: string } };

export interface AdminTarget {
  list(): PluginStatus[];
  startPlugin(name: string): Promise<PluginStatus>;
  stopPlugin(name: string): Promise<PluginStatus>;
  restartPlugin(name: string): Promise<PluginStatus>;
  reload(): Promise<string>;
}

export function serveAdmin(bus: EventBus, target: AdminTarget): BusSubscription[] {
  return ADMIN_OPS.map((op) =>
    bus.serve<AdminRequest, AdminReply>(subjects.adminPlugins(op), async (request) => {
      try {
        if (op === "list") return { ok: true, plugins: target.list() };
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
        const action = op === "start"
          ? target.startPlugin
          : op === "stop"
          ? target.stopPlugin
          : target.restartPlugin;
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
