/**
 * Storage shared by a plugin's replicas on several plugin hosts: changes from two processes are
 * never lost, the second host neither re-creates the bucket nor moves an old storage.json over
 * the live state, and the lease's own key is not one of the plugin's keys.
 */
import assert from "node:assert/strict";
import type { EventBus } from "@quicksilver/core";
import { silentLogger } from "@quicksilver/core";
import { ensurePluginStorage, migrateStorageFile, pluginNatsRights } from "@quicksilver/sandbox";
import { KvLease, KvStorage } from "@quicksilver/sdk";
import { TestNats, waitFor } from "@quicksilver/testing";

const PLUGIN = "shared";

async function bucketFor(nats: TestNats, admin?: EventBus): Promise<string> {
  const rights = pluginNatsRights({ name: PLUGIN, events: [] });
  await ensurePluginStorage(admin ?? await nats.connect("admin"), {
    plugin: PLUGIN,
    bucket: rights.storageBucket,
    maxBytes: 64 * 1024,
    maxValueBytes: 1024,
  });
  return rights.storageBucket;
}

async function asPlugin(nats: TestNats): Promise<EventBus> {
  const rights = pluginNatsRights({ name: PLUGIN, events: [] });
  return await nats.connect(rights.identity, rights.permissions, {
    inboxPrefix: rights.inboxPrefix,
  } as never);
}

Deno.test("two replicas updating one key at once lose none of each other's changes", async () => {
  await using nats = await TestNats.start();
  const bucket = await bucketFor(nats);
  const a = new KvStorage(await asPlugin(nats), { bucket });
  const b = new KvStorage(await asPlugin(nats), { bucket });
  const bump = (storage: KvStorage) =>
    Promise.all(
      Array.from({ length: 25 }, () => storage.update<number>("count", (n = 0) => n + 1)),
    );
  await Promise.all([bump(a), bump(b)]);
  assert.equal(await a.get("count"), 50);
});

Deno.test("a second plugin host finds the bucket made and keeps it, also when both make it at once", async () => {
  await using nats = await TestNats.start();
  const [one, two] = [await nats.connect("host-a"), await nats.connect("host-b")];
  await Promise.all([bucketFor(nats, one), bucketFor(nats, two)]);
  const storage = new KvStorage(await asPlugin(nats), { bucket: await bucketFor(nats, one) });
  await storage.set("kept", 1);
  await bucketFor(nats, two);
  assert.equal(await storage.get("kept"), 1);
});

Deno.test("an old storage.json on a second host does not overwrite what the plugin stored since", async () => {
  await using nats = await TestNats.start();
  const admin = await nats.connect("admin");
  const bucket = await bucketFor(nats, admin);
  const storage = new KvStorage(await asPlugin(nats), { bucket });
  await storage.set("score", 900);
  const dataDir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dataDir}/storage.json`, JSON.stringify({ score: 1, fresh: 2 }));
    const moved = await migrateStorageFile(admin, {
      plugin: PLUGIN,
      bucket,
      dataDir,
      maxBytes: 64 * 1024,
      log: silentLogger,
    });
    assert.equal(moved?.migrated, 1);
    assert.deepEqual(moved?.skipped, ["score"]);
    assert.equal(await storage.get("score"), 900, "the live value is kept");
    assert.equal(await storage.get("fresh"), 2);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("the lease's key is not among the plugin's storage keys", async () => {
  await using nats = await TestNats.start();
  const bucket = await bucketFor(nats);
  const storage = new KvStorage(await asPlugin(nats), { bucket });
  await storage.set("mine", true);
  const lease = new KvLease({ bucket, holder: "a", open: () => storage.open() });
  try {
    lease.start();
    await waitFor(() => lease.active, { timeoutMs: 3000, what: "the lease held" });
    assert.deepEqual(await storage.keys(), ["mine"]);
  } finally {
    await lease.close();
  }
});
