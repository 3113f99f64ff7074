/** The plugin manager's admin reply (`sandbox/manager/admin_service.ts`), decoded at our edge. */
import { PluginStatusSchema } from "@quicksilver/core";
import { z } from "zod";

export const AdminReplySchema = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    plugins: z.array(PluginStatusSchema),
    message: z.string().optional(),
  }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
]);
export type AdminReply = z.infer<typeof AdminReplySchema>;
