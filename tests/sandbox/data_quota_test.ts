/**
 * A plugin's data dir has a size and file-count quota (issue 11, A3): one file past the byte
 * quota is refused by the kernel (RLIMIT_FSIZE), and past the quota the dir becomes read-only
 * for the plugin; either way the plugin sees an error, it is reported once with its name, and
 * dice keeps answering.
 */
import assert from "node:assert/strict";
import {
  type CommandResult,
  CommandResultSchema,
  type EventBus,
  type SecurityViolation,
  SecurityViolationSchema,
  subjects,
} from "@quicksilver/core";
import { PluginManager } from "@quicksilver/sandbox";
import { TestNats, waitFor } from "@quicksilver/testing";
import { measureDataDir } from "../../sandbox/process/mod.ts";

const HOG = new URL("./hostile/data_hog.ts", import.meta.url).pathname;
const DICE = new URL("../../plugins/dice.ts", import.meta.url).pathname;

async function command(bus: EventBus, plugin: string, name: string, args: string[]) {
  return await bus.request<CommandResult>(subjects.commandExecute(plugin), {
    command: name,
    args,
    rawArgs: args.join(" "),
    user: { name: "bystander", rank: 1 },
    source: { platform: "shell", channel: "test" },
    messageId: crypto.randomUUID(),
    deadlineMs: 12_000,
  }, { schema: CommandResultSchema, timeoutMs: 15_000 });
}

function text(result: CommandResult): string {
  return JSON.stringify(result);
}

Deno.test("a plugin filling its data dir gets errors past its quota, is reported once, and dice keeps answering", async () => {
  await using nats = await TestNats.start();
  const dataRoot = await Deno.makeTempDir({ prefix: "quicksilver-quota-" });
  const client = await nats.connect("quota-observer");
  const violations: SecurityViolation[] = [];
  client.subscribe(subjects.securityViolation(), (v) => void violations.push(v), {
    schema: SecurityViolationSchema,
  });
  await client.flush();
  const manager = new PluginManager({
    authority: nats.authority,
    servers: nats.url,
    pluginFiles: [DICE, HOG],
    dataDir: dataRoot,
    plugins: { data_hog: { limits: { dataMb: 1, dataFiles: 50 } } },
  });
  try {
    await manager.start();
    assert.equal(manager.supervisor("data_hog").status().state, "running");

    // One file over the byte quota: the kernel refuses the write past 1 MiB.
    const big = text(await command(client, "data_hog", "hog", ["bytes"]));
    assert.match(big, /refused: .*File too large/);
    assert.ok((await command(client, "dice", "roll", ["2d6"])).ok, "dice answers");

    // Many files: past 50 entries the dir turns read-only and the next write fails.
    const many = text(await command(client, "data_hog", "hog", ["files"]));
    assert.match(many, /refused after \d+ files: .*Permission denied/);
    const usage = await measureDataDir(`${dataRoot}/data_hog`);
    // Overshoot is what it wrote before the recount saw it: bounded, not unbounded.
    assert.ok(usage.files < 2000, `${usage.files} files`);
    assert.ok((await command(client, "dice", "roll", ["2d6"])).ok, "dice still answers");

    // It keeps trying: still refused, still reported only once.
    // (Files it already has stay writable in place: only creating new ones is refused.)
    const again = text(await command(client, "data_hog", "hog", ["files"]));
    assert.match(again, /refused after \d+ files: .*Permission denied/);
    const after = await measureDataDir(`${dataRoot}/data_hog`);
    assert.equal(after.files, usage.files, "no new file once the dir is locked");
    await client.flush();
    await waitFor(() => violations.some((v) => v.kind === "data-quota"), {
      what: "a data-quota report",
    });
    const reports = violations.filter((v) => v.kind === "data-quota");
    assert.equal(reports.length, 1, JSON.stringify(reports));
    assert.equal(reports[0]!.plugin, "data_hog");
    assert.match(reports[0]!.detail, /plugins\.data_hog\.limits\.dataMb 1, dataFiles 50/);
    assert.equal(violations.filter((v) => v.plugin === "dice").length, 0, "dice is never blamed");
    assert.equal(manager.supervisor("dice").status().state, "running");
  } finally {
    await manager.stop();
    await Deno.remove(dataRoot, { recursive: true }).catch(() => undefined);
  }
});
