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
  suspended: string[];
  resumed: number;
}

async function contender(
  bus: EventBus,
  holder: string,
  key = "cytube.chan",
  onAcquired?: () => void,
): Promise<Contender> {
  const acquired: ({ n: number } | undefined)[] = [];
  const lost: string[] = [];
  const suspended: string[] = [];
  const self = { acquired, lost, suspended, resumed: 0 } as Contender;
  self.lease = await KvLease.start<{ n: number }>(bus, {
    key,
    holder,
    ...TIMING,
    onAcquired: (data) => {
      acquired.push(data);
      onAcquired?.();
    },
    onLost: (reason) => lost.push(reason),
    onSuspended: (reason) => suspended.push(reason),
    onResumed: () => self.resumed++,
  });
  return self;
}

/** Waits `ms` of wall time (a stretch the test needs to pass, not a result to wait for). */
async function elapse(ms: number): Promise<void> {
  const until = Date.now() + ms;
  await waitFor(() => Date.now() >= until, { timeoutMs: ms + 5000, what: `${ms} ms to pass` });
}

/**
 * A TCP relay between one client and the server that can stop carrying bytes both ways without
 * closing anything: that client alone is cut off from NATS (a partition), the others are not.
 */
class Cutoff implements AsyncDisposable {
  readonly #listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  readonly #conns: Deno.Conn[] = [];
  #open = Promise.withResolvers<void>();
  #cut = false;

  constructor(target: string) {
    const [hostname, port] = target.replace(/^\w+:\/\//, "").split(":");
    void (async () => {
      for await (const client of this.#listener) {
        const server = await Deno.connect({ hostname: hostname!, port: Number(port) });
        this.#conns.push(client, server);
        void this.#pipe(client, server);
        void this.#pipe(server, client);
      }
    })().catch(() => {});
    this.#open.resolve();
  }

  get url(): string {
    return `127.0.0.1:${(this.#listener.addr as Deno.NetAddr).port}`;
  }

  cut(): void {
    this.#cut = true;
    this.#open = Promise.withResolvers<void>();
  }

  mend(): void {
    this.#cut = false;
    this.#open.resolve();
  }

  async #pipe(from: Deno.Conn, to: Deno.Conn): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await from.read(buffer);
        if (n === null) break;
        while (this.#cut) await this.#open.promise;
        let written = 0;
        while (written < n) written += await to.write(buffer.subarray(written, n));
      }
    } catch {
      // closed
    }
    try {
      to.close();
    } catch {
      // closed already
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.mend();
    this.#listener.close();
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch {
        // closed already
      }
    }
    await Promise.resolve();
  }
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

Deno.test("KV unreachable for everyone longer than expireMs: the holder keeps the lease and resumes, the standby does not take over", async () => {
  await using nats = await TestNats.start();
  const [busA, busB] = await setup(nats);
  const a = await contender(busA, "a");
  await waitFor(() => a.lease.state === "active", { what: "a holds the lease" });
  const b = await contender(busB, "b");
  await waitFor(() => b.lease.otherHolder === "a", { what: "b sees a as the holder" });
  a.lease.setData({ n: 1 });
  await elapse(TIMING.renewMs * 2);

  // The server stops answering (as JetStream does to everyone during a leader election of the
  // bucket's stream), for well over expireMs.
  const pid = nats.server.pid!;
  Deno.kill(pid, "SIGSTOP");
  try {
    await waitFor(() => !a.lease.valid(), { timeoutMs: 5000, what: "a stops acting" });
    assert.equal(a.lease.state, "active", "a keeps its place");
    assert.equal(a.lease.suspended, true);
    assert.equal(a.suspended.length, 1, "a was told once");
    await elapse(TIMING.expireMs * 2);
  } finally {
    Deno.kill(pid, "SIGCONT");
  }
  await waitFor(() => a.resumed === 1, { timeoutMs: 5000, what: "a resumes" });
  assert.equal(a.lease.valid(), true);
  // Several expiry periods of working KV: b stays a standby, a keeps the lease.
  await elapse(TIMING.expireMs * 3);
  assert.deepEqual(b.acquired, [], "b took the lease over after the outage");
  assert.equal(b.lease.state, "standby");
  assert.deepEqual(a.lost, []);
  assert.equal(a.lease.valid(), true);
  assert.equal(a.suspended.length, 1);
  await a.lease.close();
  await waitFor(() => b.lease.state === "active", {
    timeoutMs: 5000,
    what: "b gets it on release",
  });
  assert.deepEqual(b.acquired, [{ n: 1 }], "with a's data");
  await b.lease.close();
});

Deno.test("a holder cut off alone is replaced only after expireMs of successful reads, and never acts again", async () => {
  await using nats = await TestNats.start();
  await using cutoff = new Cutoff(nats.url);
  const admin = streamAdminRole();
  await ensureCoreStreams(await nats.connect(admin.name, admin.permissions));
  const role = cytubeConnectorRole();
  const busA = await nats.connect(role.name, role.permissions, { servers: cutoff.url });
  const busB = await nats.connect(role.name, role.permissions);
  const a = await contender(busA, "a");
  await waitFor(() => a.lease.state === "active", { what: "a holds the lease" });
  let aValidWhenBTookOver: boolean | undefined;
  let bTookOverAt = 0;
  const b = await contender(busB, "b", "cytube.chan", () => {
    bTookOverAt = Date.now();
    aValidWhenBTookOver = a.lease.valid();
  });
  await waitFor(() => b.lease.otherHolder === "a", { what: "b sees a as the holder" });
  await elapse(TIMING.renewMs * 2);

  // From b's takeover on, a must never count itself active again.
  let aActedAfterTakeover = false;
  const watch = setInterval(() => {
    if (bTookOverAt > 0 && a.lease.valid()) aActedAfterTakeover = true;
  }, 10);
  try {
    const cutAt = Date.now();
    cutoff.cut();
    await waitFor(() => b.lease.state === "active", { timeoutMs: 10_000, what: "b takes over" });
    // a's last renewal was sent at most renewMs before the cut; b saw it no earlier.
    assert.ok(
      bTookOverAt - cutAt >= TIMING.expireMs - TIMING.renewMs,
      `b took over ${bTookOverAt - cutAt} ms after the cut`,
    );
    assert.equal(aValidWhenBTookOver, false, "a still counted itself active at the takeover");
    assert.ok(a.suspended.length === 1, "a was suspended before the takeover");

    // a reaches NATS again: its renewal CAS fails, it is lost, it never resumed.
    cutoff.mend();
    await waitFor(() => a.lost.length === 1, { timeoutMs: 10_000, what: "a loses the lease" });
    assert.deepEqual(a.lost, ["another process took the lease over"]);
    assert.equal(a.resumed, 0);
    await elapse(TIMING.expireMs);
    assert.equal(aActedAfterTakeover, false, "a counted itself active after b took over");
    assert.equal(b.lease.valid(), true);
    assert.deepEqual(b.lost, []);
  } finally {
    clearInterval(watch);
  }
  await a.lease.close();
  await b.lease.close();
});
