/**
 * `ctx.storage` on JetStream KV: a bucket per plugin, made by the manager with the plugin's
 * quota so that the server enforces it; a plugin's NATS user reaches only its own bucket; an old
 * `storage.json` is moved in once.
 */
import assert from "node:assert/strict";
import { jetstream, type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import {
  CommandResultSchema,
  type EventBus,
  type SecurityViolation,
  SecurityViolationSchema,
  subjects,
} from "@quicksilver/core";
import { ensurePluginStorage, PluginManager, pluginNatsRights } from "@quicksilver/sandbox";
import { PluginTestBed } from "@quicksilver/sdk/testing";
import { TestNats, waitFor } from "@quicksilver/testing";

const HOARDER = new URL("./fixtures/hoarder.ts", import.meta.url).pathname;
const DICE = new URL("../../plugins/dice.ts", import.meta.url).pathname;
const QUOTA = 64 * 1024;

/** Connects as the plugin `name` would, with exactly the rights the manager mints for it. */
async function connectAsPlugin(nats: TestNats, name: string): Promise<EventBus> {
  const rights = pluginNatsRights({ name, events: [] });
  return await nats.connect(rights.identity, rights.permissions, {
    inboxPrefix: rights.inboxPrefix,
  } as never);
}

function jsm(bus: EventBus): Promise<JetStreamManager> {
  return jetstreamManager(bus.connection, { checkAPI: false });
}

async function makeBucket(admin: EventBus, name: string) {
  const rights = pluginNatsRights({ name, events: [] });
  await ensurePluginStorage(admin, {
    plugin: name,
    bucket: rights.storageBucket,
    maxBytes: QUOTA,
    maxValueBytes: 1024,
  });
  return rights.storageBucket;
}

Deno.test("a plugin's NATS user reads and writes its own bucket and cannot touch another plugin's", async () => {
  await using nats = await TestNats.start();
  const admin = await nats.connect("admin");
  const bucketA = await makeBucket(admin, "alpha");
  const bucketB = await makeBucket(admin, "beta");
  const adminKv = await new Kvm(jetstream(admin.connection)).open(bucketB, { allow_direct: true });
  await adminKv.put("secret", "b's data");

  const alpha = await connectAsPlugin(nats, "alpha");
  const own = await new Kvm(jetstream(alpha.connection)).open(bucketA, { allow_direct: true });
  await own.put("mine", "1");
  assert.equal((await own.get("mine"))?.string(), "1");
  const info = await (await jsm(alpha)).streams.info(`KV_${bucketA}`, { subjects_filter: ">" });
  assert.deepEqual(Object.keys(info.state.subjects ?? {}), [`$KV.${bucketA}.mine`]);
  await own.delete("mine");
  // No consumers, not even on its own stream: a push consumer's deliver subject is not checked
  // against its creator's rights, so the server would publish wherever the plugin said.
  await assert.rejects(() => own.keys(), /Permissions Violation for Publish to "\$JS.API.CONSUMER/);

  const other = await new Kvm(jetstream(alpha.connection)).open(bucketB, { allow_direct: true });
  await assert.rejects(() => other.get("secret"), /Permissions Violation for Publish/);
  await assert.rejects(() => other.put("secret", "overwritten"), /Permissions Violation/);
  await assert.rejects(() => other.keys(), /Permissions Violation/);
  // Nor through the stream API (read a message, purge, delete the stream, list streams).
  for (
    const subject of [
      `$JS.API.STREAM.MSG.GET.KV_${bucketB}`,
      `$JS.API.STREAM.INFO.KV_${bucketB}`,
      `$JS.API.CONSUMER.CREATE.KV_${bucketA}`,
      `$JS.API.CONSUMER.DURABLE.CREATE.KV_${bucketA}.evil`,
      `$JS.API.STREAM.PURGE.KV_${bucketA}`,
      `$JS.API.STREAM.DELETE.KV_${bucketA}`,
      `$JS.API.STREAM.UPDATE.KV_${bucketA}`,
      "$JS.API.STREAM.LIST",
    ]
  ) {
    await assert.rejects(
      () => alpha.connection.request(subject, "{}", { timeout: 2000 }),
      /Permissions Violation/,
      subject,
    );
  }
  assert.equal((await adminKv.get("secret"))?.string(), "b's data", "b's data is untouched");

  // An operator raising the quota: the next launch brings the bucket up to date, data kept.
  await ensurePluginStorage(admin, {
    plugin: "beta",
    bucket: bucketB,
    maxBytes: 2 * QUOTA,
    maxValueBytes: 2048,
  });
  const config = (await (await jsm(admin)).streams.info(`KV_${bucketB}`)).config;
  assert.deepEqual([config.max_bytes, config.max_msg_size], [2 * QUOTA, 2048]);
  assert.equal((await adminKv.get("secret"))?.string(), "b's data");
});

/** Sends `!<command> <args>` to `plugin` as the router would; the reply text or the error. */
async function command(bus: EventBus, plugin: string, line: string): Promise<string> {
  const [word = "", ...args] = line.split(" ");
  const result = await bus.request(subjects.commandExecute(plugin), {
    command: word,
    args,
    rawArgs: args.join(" "),
    deadlineMs: 20_000,
    user: { name: "tester", rank: 1 },
    source: { platform: "shell", channel: "test" },
    messageId: crypto.randomUUID(),
  }, { schema: CommandResultSchema, timeoutMs: 21_000 });
  return result.ok ? result.reply.join("\n") : `${result.error.code}: ${result.error.message}`;
}

Deno.test("a plugin writing past its storage quota gets an error, it is reported once, and it and dice keep answering", async () => {
  await using nats = await TestNats.start();
  const dataDir = await Deno.makeTempDir({ prefix: "quicksilver-kv-quota-" });
  const client = await nats.connect("observer");
  const violations: SecurityViolation[] = [];
  client.subscribe(subjects.securityViolation(), (v) => void violations.push(v), {
    schema: SecurityViolationSchema,
  });
  await client.flush();
  const manager = new PluginManager({
    authority: nats.authority,
    servers: nats.url,
    pluginFiles: [HOARDER, DICE],
    dataDir,
    serverLogFile: nats.server.options.logFile,
    monitorUrl: nats.server.monitorUrl,
    timings: { heartbeatMs: 250 },
    plugins: { hoarder: { nats: { maxStorageBytes: QUOTA } } },
  });
  try {
    await manager.start();
    assert.equal(await command(client, "hoarder", "set kept before"), "stored");
    const fill = await command(client, "hoarder", "fill");
    const match = /^(\d+) stored, then quota full: storage is full/.exec(fill);
    assert.ok(match, fill);
    // 8 KiB values in a 64 KiB quota: the server stopped it at the quota, not later.
    assert.ok(Number(match[1]) >= 5 && Number(match[1]) <= 8, fill);
    // Again: still refused, and still one report.
    assert.match(await command(client, "hoarder", "fill"), /quota full/);
    const report = await waitFor(
      () => violations.find((v) => v.kind === "storage-quota"),
      { timeoutMs: 10_000, what: "the storage-quota report" },
    );
    assert.equal(report.plugin, "hoarder");
    assert.equal(report.action, "refused");
    // Nothing else is affected: dice answers and counts in its own bucket.
    assert.match(await command(client, "dice", "roll d6"), /^tester rolled d6: /);
    // The plugin keeps serving: reads, overwrites and deletes still work at the quota.
    assert.equal(await command(client, "hoarder", "get kept"), '"before"');
    assert.equal(await command(client, "hoarder", "set kept after"), "stored");
    assert.equal(await command(client, "hoarder", "del blob.0"), "true");
    assert.equal(manager.supervisor("hoarder").status().state, "running");
    assert.deepEqual(
      violations.map((v) => [v.plugin, v.kind]),
      [["hoarder", "storage-quota"]],
      "reported once, and nothing else",
    );
  } finally {
    await manager.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => undefined);
  }
});

Deno.test("an existing storage.json is moved into the plugin's bucket once, at its first start", async () => {
  await using bed = await PluginTestBed.start(HOARDER);
  await bed.stop();
  await Deno.writeTextFile(
    `${bed.dataDir}/storage.json`,
    JSON.stringify({ "memory:carol": ["hi"], "a.b": 2, count: 41, "bad key!": 1 }),
  );
  await bed.start();
  assert.deepEqual(await bed.storage(), { "memory:carol": ["hi"], "a.b": 2, count: 41 });
  assert.deepEqual(bed.violations, [], "a plugin's own storage use is no violation");
  assert.equal(bed.text(await bed.command("!get memory:carol")), '["hi"]');
  assert.equal(bed.text(await bed.command("!keys")), "a.b,count,memory:carol");
  assert.equal(bed.text(await bed.command("!del a.b")), "true");
  assert.equal(bed.text(await bed.command("!keys")), "count,memory:carol", "a deleted key is gone");
  await assert.rejects(() => Deno.stat(`${bed.dataDir}/storage.json`), Deno.errors.NotFound);
  const kept = JSON.parse(await Deno.readTextFile(`${bed.dataDir}/storage.json.migrated`));
  assert.equal(kept["bad key!"], 1, "the old file is kept, renamed");
  // Once: a change after the move survives a restart (the old file is not read again).
  assert.equal(bed.text(await bed.command("!set count 42")), "stored");
  await bed.restart();
  assert.equal(bed.text(await bed.command("!get count")), '"42"');
});
