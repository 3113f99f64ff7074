/**
 * Learns what a plugin declares (manifest and extras) by loading it in a process with no
 * permissions at all: the plugin's top-level code runs, but can touch nothing. The permissions
 * of the real launch depend on this declaration, so it must be known before the launch.
 */
import { errorText, type Logger } from "@quicksilver/core";
import { z } from "zod";
import type { LimitSupport } from "../limits/mod.ts";
import { spawnSandboxed, type UidAssignment } from "../process/mod.ts";
import { PluginManifestSchema } from "@quicksilver/core";
import { PluginRefusedError } from "./errors.ts";
import { sandboxedRunArgs } from "./launch_plan.ts";
import type { PluginDescription } from "../sdk/mod.ts";

/** Colour codes (built without a control character in a regex literal, for the linter). */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

const DescribeOutput = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    manifest: PluginManifestSchema,
    extras: z.object({
      // Host names are case-insensitive (RFC 4343); grants and audit lines compare lower case.
      net: z.array(z.string().transform((host) => host.toLowerCase())).exactOptional(),
      publish: z.array(z.string()).exactOptional(),
      subscribe: z.array(z.string()).exactOptional(),
      memoryMb: z.number().exactOptional(),
    }),
  }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

export interface DescribeOptions {
  name: string;
  denoPath: string;
  configPath: string;
  entryFile: string;
  cwd: string;
  denoDir: string;
  uid: UidAssignment | null;
  support?: LimitSupport;
  cgroups?: boolean;
  timeoutMs?: number;
  logger: Logger;
}

export async function describeInSandbox(options: DescribeOptions): Promise<PluginDescription> {
  const proc = await spawnSandboxed({
    plugin: options.name,
    argv: [
      options.denoPath,
      ...sandboxedRunArgs(options.configPath),
      "--v8-flags=--max-old-space-size=128",
      options.entryFile,
    ],
    cwd: options.cwd,
    env: { DENO_DIR: options.denoDir, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    limits: { memoryMb: 192, cpu: 1 },
    uid: options.uid,
    ...(options.support ? { support: options.support } : {}),
    ...(options.cgroups === false ? { cgroups: false } : {}),
    logger: options.logger,
  });
  await proc.stdin.write(new TextEncoder().encode(JSON.stringify({ mode: "describe" })));
  await proc.stdin.close().catch(() => undefined);
  const lines: string[] = [];
  const stderr: string[] = [];
  const pumps = Promise.all([
    (async () => {
      for await (const line of proc.stdoutLines) if (lines.length < 10) lines.push(line);
    })(),
    (async () => {
      for await (const line of proc.stderrLines) if (stderr.length < 20) stderr.push(line);
    })(),
  ]);
  const timer = setTimeout(() => void proc.kill(0), options.timeoutMs ?? 15_000);
  const exit = await proc.status;
  clearTimeout(timer);
  await pumps;
  const last = lines.findLast((l) => l.startsWith("{"));
  let output: z.infer<typeof DescribeOutput> | undefined;
  try {
    output = last ? DescribeOutput.parse(JSON.parse(last)) : undefined;
  } catch (error) {
    throw new PluginRefusedError(
      options.name,
      "definition",
      `its description is invalid: ${errorText(error)}`,
    );
  }
  if (!output) {
    const why = stderr.map((l) => l.replace(ANSI, "")).filter((l) => l.trim()).slice(
      0,
      6,
    ).join(" | ");
    throw new PluginRefusedError(
      options.name,
      "definition",
      `it could not be loaded (${exit.sentence}${why ? ` ${why}` : ""})`,
    );
  }
  if (!output.ok) throw new PluginRefusedError(options.name, "definition", output.error);
  if (output.manifest.name !== options.name) {
    throw new PluginRefusedError(
      options.name,
      "definition",
      `it calls itself "${output.manifest.name}"; a plugin's name must equal its file name (${options.name}.ts)`,
    );
  }
  return { manifest: output.manifest, extras: output.extras };
}
