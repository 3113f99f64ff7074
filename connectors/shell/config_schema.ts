/** The shell connector's section of `rosey.yaml` (`connectors.shell`): the local console chat. */
import { z } from "zod";

export const ShellConnectorSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Who you are in the local chat. */
  user: z.string().min(1).max(100).default("you"),
  /** Your rank there; 3 (admin) so every command can be tried locally. */
  rank: z.number().min(-1).max(1000).default(3),
  channel: z.string().min(1).max(200).default("local"),
}).prefault({});
export type ShellConnectorSection = z.infer<typeof ShellConnectorSchema>;

/** Fixes for keys whose generic message would not say what to write. */
export const SHELL_CONFIG_FIXES: Readonly<Record<string, string>> = {
  rank: "write a CyTube rank number, e.g. rank: 3 (admin)",
};
