/**
 * `access` in the plugin table is optional and its lists have defaults: a table from a manager
 * older than the field parses, and so does the compact form the manager publishes (empty lists
 * left out).
 */
import assert from "node:assert/strict";
import { PluginTableSchema } from "@quicksilver/core";

const LIMITS = { memoryMb: 256, cpu: 0.5, pids: 64, openFiles: 256, dataMb: 64, dataFiles: 10_000 };

Deno.test("a plugin table from a manager without access still parses", () => {
  const table = PluginTableSchema.parse({
    plugins: [{ name: "dice", state: "running", restarts: 0, violations: 0 }],
    revision: 1,
  });
  assert.equal(table.plugins[0]!.access, undefined);
});

Deno.test("a plugin's access with its empty lists left out parses with them empty", () => {
  const table = PluginTableSchema.parse({
    plugins: [{
      name: "weather",
      state: "running",
      access: { asked: { net: ["*"] }, notGranted: ["net * (any host you grant)"], limits: LIMITS },
    }],
    revision: 2,
  });
  assert.deepEqual(table.plugins[0]!.access, {
    asked: { net: ["*"], publish: [], subscribe: [], npm: [] },
    granted: { net: [], publish: [], subscribe: [], npm: [] },
    notGranted: ["net * (any host you grant)"],
    limits: LIMITS,
  });
});

Deno.test("an access without its limits is refused, naming the field", () => {
  const result = PluginTableSchema.safeParse({
    plugins: [{ name: "dice", state: "running", access: {} }],
    revision: 3,
  });
  assert.ok(!result.success);
  assert.deepEqual(result.error.issues[0]!.path, ["plugins", 0, "access", "limits"]);
});
