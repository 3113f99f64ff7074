/**
 * `ctx.lease` against a real nats-server and the KV bucket a plugin's own NATS user may use:
 * one active replica, a standby that takes over within the lease's 3 s once the holder stops
 * renewing, never two active at once, also when the holder was frozen and comes back.
 */
import assert from "node:assert/strict";
import type { EventBus } from "@quicksilver/core";
import { ensurePluginStorage, pluginNatsRights } from "@quicksilver/sandbox";
import { KvLease, KvStorage } from "@quicksilver/sdk";
import { TestNats, waitFor } from "@quicksilver/testing";

const PLUGIN = "leasy";
const FIXTURE = new URL("./fixtures/lease_process.ts", import.meta.url).pathname;

async function bucketFor(nats: TestNats): Promise<string> {
  const admin = await nats.connect("admin");
  const rights = pluginNatsRights({ name: PLUGIN, events: [] });
  await ensurePluginStorage(admin, {
    plugin: PLUGIN,
    bucket: rights.storageBucket,
    maxBytes: 64 * 1024,
    maxValueBytes: 1024,
  });
  return rights.storageBucket;
}

/** A connection with exactly the rights the manager mints for the plugin. */
async function asPlugin(nats: TestNats): Promise<EventBus> {
  const rights = pluginNatsRights({ name: PLUGIN, events: [] });
  return await nats.connect(rights.identity, rights.permissions, {
    inboxPrefix: rights.inboxPrefix,
  } as never);
}

function leaseOn(bus: EventBus, bucket: string, holder: string): KvLease {
  const storage = new KvStorage(bus, { bucket });
  return new KvLease({ bucket, holder, open: () => storage.open() });
}

Deno.test("one of two replicas holds the lease, and the standby takes over within 3 s of the holder's last renewal, never both active", async () => {
  await using nats = await TestNats.start();
  const bucket = await bucketFor(nats);
  const busA = await asPlugin(nats);
  const busB = await asPlugin(nats);
  const a = leaseOn(busA, bucket, "a");
  const b = leaseOn(busB, bucket, "b");
  let both = 0;
  const watch = setInterval(() => {
    if (a.active && b.active) both++;
  }, 20);
  try {
    a.start();
    await waitFor(() => a.active, { timeoutMs: 3000, what: "the first replica active" });
    b.start();
    // The standby stays standby while the holder renews.
    await new Promise((r) => setTimeout(r, 4000));
    assert.equal(b.active, false, "the standby must not take a renewed lease");
    assert.equal(a.active, true);

    // The holder's connection goes away without a release (its host died).
    await busA.close();
    const lostAt = performance.now();
    await waitFor(() => b.active, { timeoutMs: 6000, what: "the standby active" });
    const tookMs = performance.now() - lostAt;
    assert.ok(tookMs <= 4500, `took over after ${Math.round(tookMs)} ms; want <= 3 s + one look`);
    assert.equal(a.active, false, "the old holder counts itself out once it cannot renew");
    assert.equal(both, 0, "two replicas were active at once");
  } finally {
    clearInterval(watch);
    await a.close();
    await b.close();
  }
});

Deno.test("a holder that stops cleanly hands the lease to the standby within about a second", async () => {
  await using nats = await TestNats.start();
  const bucket = await bucketFor(nats);
  const a = leaseOn(await asPlugin(nats), bucket, "a");
  const b = leaseOn(await asPlugin(nats), bucket, "b");
  try {
    a.start();
    await waitFor(() => a.active, { timeoutMs: 3000, what: "the first replica active" });
    b.start();
    await a.close();
    const releasedAt = performance.now();
    await waitFor(() => b.active, { timeoutMs: 3000, what: "the standby active" });
    assert.ok(performance.now() - releasedAt < 2000);
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("a holder frozen past the lease's time never acts again after it thaws, while the standby holds it", async () => {
  await using nats = await TestNats.start();
  const bucket = await bucketFor(nats);
  const rights = pluginNatsRights({ name: PLUGIN, events: [] });
  const user = await nats.mint(rights.identity, rights.permissions);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      FIXTURE,
      JSON.stringify({
        natsUrl: nats.url,
        creds: user.creds,
        inboxPrefix: rights.inboxPrefix,
        bucket,
        holder: "frozen",
      }),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines: string[] = [];
  const reading = (async () => {
    const decoder = new TextDecoderStream();
    let buffered = "";
    for await (const chunk of child.stdout.pipeThrough(decoder)) {
      buffered += chunk;
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      lines.push(...parts);
    }
  })();
  const b = leaseOn(await asPlugin(nats), bucket, "standby");
  try {
    await waitFor(() => lines.includes("active"), { timeoutMs: 15_000, what: "the child active" });
    b.start();
    child.kill("SIGSTOP");
    await waitFor(() => b.active, { timeoutMs: 6000, what: "the standby active" });
    const seenBeforeThaw = lines.length;
    child.kill("SIGCONT");
    await waitFor(() => lines.slice(seenBeforeThaw).includes("lost"), {
      timeoutMs: 5000,
      what: "the thawed holder seeing it lost the lease",
    });
    assert.deepEqual(
      lines.slice(seenBeforeThaw).filter((line) => line === "acting"),
      [],
      "the thawed holder acted while the standby held the lease",
    );
    assert.equal(b.active, true);
  } finally {
    child.kill("SIGKILL");
    await child.status;
    await reading.catch(() => undefined);
    await b.close();
  }
});

Deno.test("KV unreachable for everyone longer than the lease: the holder takes it back, the standby does not take over", async () => {
  await using nats = await TestNats.start();
  const bucket = await bucketFor(nats);
  const timing = { renewMs: 200, ttlMs: 1000 };
  const lease = (bus: EventBus, holder: string) => {
    const storage = new KvStorage(bus, { bucket });
    return new KvLease({ bucket, holder, timing, open: () => storage.open() });
  };
  const a = lease(await asPlugin(nats), "a");
  const b = lease(await asPlugin(nats), "b");
  let aActivations = 0;
  let bActivations = 0;
  try {
    a.onActive(() => void aActivations++);
    await waitFor(() => a.active, { timeoutMs: 3000, what: "a active" });
    b.onActive(() => void bActivations++);
    await waitFor(() => !b.active && bActivations === 0, { what: "b a standby" });
    const settledAt = Date.now() + 1000;
    await waitFor(() => Date.now() >= settledAt, { what: "a few renewals" });

    // The server stops answering everyone (as during a JetStream leader election), > ttlMs.
    const pid = nats.server.pid!;
    Deno.kill(pid, "SIGSTOP");
    try {
      await waitFor(() => !a.active, { timeoutMs: 5000, what: "a stops counting itself active" });
      // Longer than a KV request's timeout (5 s): requests fail, as in an election.
      const outageUntil = Date.now() + 6000;
      await waitFor(() => Date.now() >= outageUntil, { timeoutMs: 10_000, what: "the outage" });
    } finally {
      Deno.kill(pid, "SIGCONT");
    }
    await waitFor(() => a.active, { timeoutMs: 5000, what: "a takes its lease back" });
    const watchUntil = Date.now() + timing.ttlMs * 3;
    await waitFor(() => Date.now() >= watchUntil, { timeoutMs: 10_000, what: "working KV" });
    assert.equal(bActivations, 0, "the standby took the lease over after the outage");
    assert.equal(a.active, true);
    assert.equal(aActivations, 2, "a's onActive ran again when it took the lease back");
  } finally {
    await a.close();
    await b.close();
  }
});
