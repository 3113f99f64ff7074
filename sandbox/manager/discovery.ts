/** Finds plugin files: every `*.ts` directly in the plugins dir (one file per plugin). */
import { PLUGIN_NAME } from "@quicksilver/core";

export interface DiscoveredPlugin {
  name: string;
  file: string;
}

/** `plugins/dice.ts` → `{ name: "dice", file: "/abs/plugins/dice.ts" }`; test files and `_private.ts` are skipped. */
export async function discoverPlugins(
  dir: string,
): Promise<{ found: DiscoveredPlugin[]; skipped: string[] }> {
  const found: DiscoveredPlugin[] = [];
  const skipped: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { found, skipped };
    throw error;
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (
      !entry.name.endsWith(".ts") || entry.name.startsWith("_") || entry.name.endsWith("_test.ts")
    ) continue;
    const name = entry.name.slice(0, -3);
    if (!entry.isFile || !PLUGIN_NAME.test(name)) {
      skipped.push(
        `${entry.name}: a plugin file must be a regular file named like dice.ts (lowercase, digits, _ or -)`,
      );
      continue;
    }
    found.push({ name, file: `${dir}/${entry.name}` });
  }
  return { found, skipped };
}

/** The plugin name of a file path (`/x/plugins/dice.ts` → `dice`), or null. */
export function pluginNameOf(file: string): string | null {
  const base = file.split("/").pop() ?? "";
  if (!base.endsWith(".ts")) return null;
  const name = base.slice(0, -3);
  return PLUGIN_NAME.test(name) ? name : null;
}
