/**
 * The router's plugin table with several plugin hosts: a plugin is routable while any host runs
 * it; a host that dies (its tables stop) drops out after three of its intervals; a restarted
 * host's tables count again although its revisions start anew.
 */
import assert from "node:assert/strict";
import type { PluginStatus, PluginTable } from "@quicksilver/core";
import { PluginTableStore } from "../../services/router/mod.ts";

const dice = (state: PluginStatus["state"]): PluginStatus => ({
  name: "dice",
  state,
  restarts: 0,
  violations: 0,
  manifest: {
    name: "dice",
    version: "1.0.0",
    description: "dice",
    commands: [{
      name: "roll",
      aliases: [],
      usage: "!roll",
      help: "rolls",
      minRank: 0,
      cooldownSeconds: 0,
    }],
    events: [],
  } as never,
});

const table = (
  host: string,
  revision: number,
  state: PluginStatus["state"],
  startedAt = 1,
): PluginTable => ({ host, revision, startedAt, intervalMs: 1000, plugins: [dice(state)] });

Deno.test("a plugin is routable while any plugin host runs it", () => {
  const store = new PluginTableStore();
  store.apply(table("a", 1, "running"));
  store.apply(table("b", 1, "running"));
  assert.deepEqual(store.plugins[0]?.hosts, ["a", "b"]);
  store.apply(table("a", 2, "stopped"));
  assert.equal(store.resolve("roll")?.running, true, "host b still runs it");
  assert.deepEqual(store.plugins[0]?.hosts, ["b"]);
  store.apply(table("b", 2, "stopped"));
  assert.equal(store.resolve("roll")?.running, false);
});

Deno.test("a plugin host whose tables stop drops out after three of its intervals", () => {
  const store = new PluginTableStore();
  const realNow = Date.now;
  let now = 1_000_000;
  Date.now = () => now;
  try {
    store.apply(table("a", 1, "running"), now);
    store.apply(table("b", 1, "stopped"), now);
    assert.equal(store.resolve("roll")?.running, true);
    now += 3500;
    store.apply(table("b", 2, "stopped"), now); // b keeps publishing, a has died
    assert.equal(store.resolve("roll")?.running, true, "not yet stale");
    now += 1000;
    assert.equal(store.resolve("roll")?.running, false, "a dropped out: nobody runs dice");
    assert.deepEqual(store.hostStatuses().map((s) => s.host), ["b"]);
  } finally {
    Date.now = realNow;
  }
});

Deno.test("a restarted plugin host's tables are taken although its revisions start anew", () => {
  const store = new PluginTableStore();
  store.apply(table("a", 40, "running", 1));
  assert.equal(store.apply(table("a", 39, "stopped", 1)), false, "a late table is ignored");
  assert.equal(store.apply(table("a", 1, "stopped", 2)), true, "the new run's first table");
  assert.equal(store.resolve("roll")?.running, false);
});
