/**
 * When CyTube says no (a kick, a wrong channel password), the connector stays out, says why
 * in its health report, and refuses actions with `not_connected` instead of losing them.
 */
import assert from "node:assert/strict";
import {
  ActionResultSchema,
  type Envelope,
  type HealthReport,
  HealthReportSchema,
  subjects,
} from "@quicksilver/core";
import { Inbox, waitFor } from "@quicksilver/testing";
import { createLogger } from "../../core/log/mod.ts";
import { E2e } from "./_env.ts";

Deno.test("a kicked bot reports why, leaves the channel, and refuses actions", async () => {
  const lines: string[] = [];
  const logger = createLogger({ format: "json", level: "debug", sink: (l) => lines.push(l) });
  await using env = await E2e.start({ connector: { healthIntervalMs: 100, logger } });
  const { fake, nats, connector } = env;
  const observer = await nats.connect("observer");
  const left = new Inbox<Envelope<{ reason: string }>>();
  const health = new Inbox<HealthReport>();
  observer.subscribe(subjects.event("channel.left"), left.push);
  observer.subscribe(subjects.monitoringHealth(), health.push, { schema: HealthReportSchema });
  await observer.flush();

  fake.kick("rosey", "too chatty");
  const report = await health.next((h) =>
    h.component === "connector-cytube" && h.status === "degraded" &&
    /too chatty/.test(h.detail ?? "")
  );
  assert.match(report.detail!, /kicked from CyTube channel "fake_channel": too chatty/);
  assert.match(report.detail!, /stays out of the channel until it is restarted/);
  // One log line for one kick, at error level: not the client's and the connector's each.
  const kickLines = lines.map((l) => JSON.parse(l)).filter((e) => /kicked from/.test(e.msg));
  assert.deepEqual(kickLines.map((e) => e.level), ["error"]);
  await left.next();
  const result = await observer.request(
    subjects.platformAction("cytube", "next"),
    { channel: fake.channel },
    { schema: ActionResultSchema },
  );
  assert.equal(!result.ok && result.error.code, "not_connected");
  assert.equal(connector.client.status, "kicked");
});

Deno.test("a wrong channel password is a clear, lasting error in the connector's health", async () => {
  await using env = await E2e.start({
    fake: { channelPassword: "right" },
    // A guest: moderators (rank >= 2) bypass channel passwords.
    connector: { user: { name: "guesty" }, channelPassword: "wrong" },
    waitReady: false,
  });
  await waitFor(
    () => env.connector.health.detail?.includes("rejected the configured channel password"),
    {
      what: "the password error in the health",
    },
  );
  assert.equal(env.connector.health.status, "degraded");
  assert.equal(env.connector.client.status, "failed");
});

Deno.test("a server that cannot load the channel is retried: the bot is back once it loads", async () => {
  await using env = await E2e.start({
    fake: { databaseDown: true, guestLoginDelaySeconds: 0 },
    waitReady: false,
  });
  const { fake, connector } = env;
  await fake.waitFor(() => fake.connections.total >= 2, 5000, "a retried join");
  // Meanwhile the health says what happens, and not that the bot stays out.
  const detail = connector.health.detail ?? "";
  assert.match(detail, /could not load the channel|not in CyTube channel yet/);
  assert.doesNotMatch(detail, /until it is restarted/);
  fake.setDatabaseDown(false);
  await connector.ready(5000);
  assert.equal(connector.health.status, "ok");
});
