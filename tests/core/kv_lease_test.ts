/**
 * `KvLease` (core/bus/kv_lease.ts) against a real nats-server, each contender connected as the
 * CyTube connector's least-privilege user: one holder at a time (KV revision CAS), a standby
 * takes over with the holder's data when renewals stop or the holder lets go.
 */
import assert from "node:assert/strict";
import {
  ensureCoreStreams,
  type EventBus,
  KvLease,
  LEASE_BUCKET,
  streamAdminRole,
} from "@quicksilver/core";
import { TestNats, waitFor } from "@quicksilver/testing";
import { cytubeConnectorRole } from "../../connectors/cytube/mod.ts";

const TIMING = { renewMs: 200, expireMs: 1000 } as const;

interface Contender {
  lease: KvLease<{ n: number }>;
  acquired: ({ n: number } | undefined)[];
  lost: string[];
}

async function contender(bus: EventBus, holder: string, key = "cytube.chan"): Promise<Contender> {
  const acquired: ({ n: number } | undefined)[] = [];
  const lost: string[] = [];
  const lease = await KvLease.start<{ n: number }>(bus, {
    key,
    holder,
    ...TIMING,
    onAcquired: (data) => acquired.push(data),
    onLost: (reason) => lost.push(reason),
  });
  return { lease, acquired, lost };
}

async function setup(nats: TestNats): Promise<[EventBus, EventBus]> {
  const admin = streamAdminRole();
  await ensureCoreStreams(await nats.connect(admin.name, admin.permissions));
  const role = cytubeConnectorRole();
  return [
    await nats.connect(role.name, role.permissions),
    await nats.connect(role.name, role.permissions),
  ];
}

Deno.test("one contender holds a lease; the standby takes over with its data once renewals stop", async () => {
  await using nats = await TestNats.start();
  const [busA, busB] = await setup(nats);
  const a = await contender(busA, "a");
  await waitFor(() => a.lease.state === "active", { what: "a holds the lease" });
  const b = await contender(busB, "b");
  a.lease.setData({ n: 7 });
  // Several renewal periods: b stays a standby while a renews.
  await waitFor(() => b.lease.otherHolder === "a", { what: "b sees a as the holder" });
  const renewedUntil = Date.now() + TIMING.expireMs * 2;
  await waitFor(() => Date.now() > renewedUntil, { timeoutMs: 5000, what: "a few renewals" });
  assert.equal(b.lease.state, "standby");
  assert.deepEqual(b.acquired, []);

  // a dies without a word (its connection goes): b takes over, continuing from a's data.
  const diedAt = Date.now();
  await busA.close();
  await waitFor(() => b.lease.state === "active", { timeoutMs: 5000, what: "b takes over" });
  assert.ok(Date.now() - diedAt >= TIMING.expireMs - TIMING.renewMs, "not before expiry");
  assert.deepEqual(b.acquired, [{ n: 7 }]);
  assert.equal(a.lease.valid(), false, "a no longer counts itself active");
  assert.equal(a.lost.length, 1, `a lost the lease once: ${a.lost.join(", ")}`);
  assert.equal(a.lease.state, "standby");
  await a.lease.close();
  await b.lease.close();
});

Deno.test("a released lease is taken over at once, with the data its holder left", async () => {
  await using nats = await TestNats.start();
  const [busA, busB] = await setup(nats);
  const a = await contender(busA, "a");
  await waitFor(() => a.lease.state === "active", { what: "a holds the lease" });
  const b = await contender(busB, "b");
  a.lease.setData({ n: 3 });
  await a.lease.close();
  assert.deepEqual(a.lost, ["closed"]);
  const releasedAt = Date.now();
  await waitFor(() => b.lease.state === "active", { timeoutMs: 5000, what: "b takes over" });
  assert.ok(Date.now() - releasedAt < TIMING.expireMs, "without waiting for expiry");
  assert.deepEqual(b.acquired, [{ n: 3 }]);
  await b.lease.close();
});

Deno.test("a holder whose revision was taken over loses the lease on its next renewal", async () => {
  await using nats = await TestNats.start();
  const [busA, busB] = await setup(nats);
  const a = await contender(busA, "a");
  await waitFor(() => a.lease.state === "active", { what: "a holds the lease" });
  // Someone else writes the key (as a standby that took an expired lease would): CAS fails.
  const { jetstream } = await import("@nats-io/jetstream");
  const { Kvm } = await import("@nats-io/kv");
  const kv = await new Kvm(jetstream(busB.connection)).open(LEASE_BUCKET, { allow_direct: true });
  await kv.put("cytube.chan", JSON.stringify({ holder: "intruder" }));
  await waitFor(() => a.lease.state === "standby", { timeoutMs: 5000, what: "a loses the lease" });
  assert.deepEqual(a.lost, ["another process took the lease over"]);
  assert.equal(a.lease.valid(), false);
  await a.lease.close();
});

Deno.test("the CyTube connector's user may hold cytube leases only", async () => {
  await using nats = await TestNats.start();
  const [bus] = await setup(nats);
  const irc = await contender(bus, "x", "irc.chan");
  const refused = await waitFor(() => irc.lease.state === "active", { timeoutMs: 1500 })
    .then(() => false, () => true);
  assert.ok(refused, "a connector-cytube user took an irc lease");
  await irc.lease.close();
});
