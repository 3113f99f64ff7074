/**
 * The plugin table carries, per plugin, what it asked for, what its launch was granted, what
 * was asked and not granted, and the limits it runs under (the dashboard's plugin page reads
 * them from there). The table is republished with every sample, so its size is checked too.
 */
import assert from "node:assert/strict";
import { type PluginTable, PluginTableSchema, subjects } from "@quicksilver/core";
import { PluginTestBed } from "@quicksilver/sdk/testing";
import { waitFor } from "@quicksilver/testing";

const fixture = (name: string) => new URL(`./fixtures/${name}.ts`, import.meta.url).pathname;

/** The next tables the manager publishes, raw (as on the wire) and parsed. */
async function watchTables(bed: PluginTestBed) {
  const client = await bed.nats.connect("operator");
  const raw: Record<string, unknown>[] = [];
  const parsed: PluginTable[] = [];
  client.subscribe<Record<string, unknown>>(subjects.pluginManifests(), (table) => {
    raw.push(table);
    parsed.push(PluginTableSchema.parse(table));
  });
  await client.flush();
  return { raw, parsed };
}

Deno.test("the published plugin table shows what a plugin asked for, what it was granted, and its limits", async () => {
  await using bed = await PluginTestBed.start(fixture("asks_extras"), {
    settings: {
      grants: {
        net: ["api.example.com:443"],
        publish: [subjects.plugin("asks_extras", "noted")],
      },
      limits: { cpu: 0.25, openFiles: 128, dataMb: 16 },
    },
  });
  const tables = await watchTables(bed);
  await bed.restart(); // a change publishes the table at once
  await waitFor(() => tables.parsed.some((t) => t.plugins[0]?.state === "running"), {
    what: "a table with the plugin running",
  });
  const access = tables.parsed.findLast((t) => t.plugins[0]?.state === "running")!.plugins[0]!
    .access;
  assert.ok(access, "the table has the plugin's access");
  assert.deepEqual(access.asked, {
    net: ["api.example.com:443", "cdn.example.com:443"],
    publish: [subjects.plugin("asks_extras", "noted")],
    subscribe: [subjects.allPluginHeartbeats()],
    npm: [],
  });
  assert.equal(access.askedMemoryMb, 300);
  assert.deepEqual(access.granted, {
    net: ["api.example.com:443"],
    publish: [subjects.plugin("asks_extras", "noted")],
    subscribe: [],
    npm: [],
  });
  assert.deepEqual(access.notGranted, [
    "net cdn.example.com:443",
    `subscribe ${subjects.allPluginHeartbeats()}`,
    "memoryMb 300 (set plugins.asks_extras.limits.memoryMb)",
  ]);
  assert.deepEqual(access.limits, {
    memoryMb: 256,
    heapMb: 192,
    cpu: 0.25,
    pids: 64,
    openFiles: 128,
    dataMb: 16,
    dataFiles: 10_000,
  });
  // The admin list (`deno task status`, the web API's control replies) has the same.
  assert.deepEqual(bed.status().access, access);
});

Deno.test("a plugin that asks for nothing adds only its limits to the republished table", async () => {
  await using bed = await PluginTestBed.start(fixture("greeter"));
  const tables = await watchTables(bed);
  await bed.restart();
  await waitFor(() => tables.parsed.some((t) => t.plugins[0]?.state === "running"), {
    what: "a table with the plugin running",
  });
  const index = tables.parsed.findLastIndex((t) => t.plugins[0]?.state === "running");
  const wire = (tables.raw[index]!.plugins as Record<string, unknown>[])[0]!;
  // Empty lists stay off the wire (the schema's defaults give them back to readers).
  assert.deepEqual(Object.keys(wire.access as object), ["limits"]);
  assert.ok(JSON.stringify(wire.access).length < 160, JSON.stringify(wire.access));
  const parsed = tables.parsed[index]!.plugins[0]!.access!;
  assert.deepEqual(parsed.asked, { net: [], publish: [], subscribe: [], npm: [] });
  assert.deepEqual(parsed.notGranted, []);
});
