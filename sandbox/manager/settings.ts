/**
 * What the operator decides per plugin (`plugins.<name>` in config): whether it runs, its
 * config, the extras granted, its resource limits and NATS limits. Grants only ever narrow
 * what the plugin asked for: an extra it did not ask for is not given, and an ask that is not
 * granted is shown by `plugins check` as "asked, not granted".
 */
import { z } from "zod";
import { parseResourceLimits, type ResourceLimits } from "../limits/mod.ts";
import { PluginManagerError } from "./errors.ts";

const HOST_PORT = /^[A-Za-z0-9.-]{1,253}:\d{1,5}$/;

export const PluginGrantsSchema = z.strictObject({
  /** Outbound `host:port` the plugin may reach (only those it asked for in `extras.net`). */
  net: z.array(z.string().regex(HOST_PORT, "write host:port, e.g. api.open-meteo.com:443")).default(
    [],
  ),
  publish: z.array(z.string().min(1)).default([]),
  subscribe: z.array(z.string().min(1)).default([]),
  /** npm packages (exact `npm:name@version`, present in deno.lock) it may import. */
  npm: z.array(z.string().regex(/^npm:[@A-Za-z0-9/._-]+@[0-9][A-Za-z0-9.+-]*$/)).default([]),
});
export type PluginGrants = z.infer<typeof PluginGrantsSchema>;

export const PluginSettingsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  config: z.record(z.string(), z.unknown()).default({}),
  grants: PluginGrantsSchema.default({ net: [], publish: [], subscribe: [], npm: [] }),
  /** Resource limits (see sandbox/limits): memoryMb, cpu, pids, openFiles, cpuSecondsBackstop. */
  limits: z.record(z.string(), z.unknown()).default({}),
  nats: z.strictObject({
    maxSubscriptions: z.number().int().min(5).max(10_000).optional(),
    maxPayload: z.number().int().min(1024).max(1024 * 1024).optional(),
  }).default({}),
});
export type PluginSettingsInput = z.input<typeof PluginSettingsSchema>;
export type PluginSettings = z.infer<typeof PluginSettingsSchema> & {
  resourceLimits: ResourceLimits;
};

/** Parses one plugin's settings; errors name the key (`plugins.dice.grants.net[0]`) and a fix. */
export function parsePluginSettings(name: string, input: unknown): PluginSettings {
  const where = `plugins.${name}`;
  const parsed = PluginSettingsSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map((p) =>
      typeof p === "number" ? `[${p}]` : `.${String(p)}`
    ).join("") ?? "";
    throw new PluginManagerError(`${where}${path}: ${issue?.message ?? "invalid"}`, {
      cause: parsed.error,
    });
  }
  return {
    ...parsed.data,
    resourceLimits: parseResourceLimits(parsed.data.limits, `${where}.limits`),
  };
}
