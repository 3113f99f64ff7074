import assert from "node:assert/strict";
import {
  createEnvelope,
  ensureCoreStreams,
  ServiceState,
  streamAdminRole,
  subjects,
} from "@quicksilver/core";
import { chatlogRole } from "../../services/chatlog/mod.ts";
import { moderatorRole } from "../../services/moderator/mod.ts";
import { statsRole } from "../../services/stats/mod.ts";
import { TestNats, waitFor } from "@quicksilver/testing";
import { credentialRoles } from "../../scripts/_assembly.ts";

Deno.test("the parity services cannot publish events or act outside their roles", async () => {
  await using nats = await TestNats.start();
  const cases = [
    [moderatorRole(), subjects.event("message")],
    [moderatorRole(), subjects.platformAction("cytube", "clearPlaylist")],
    [chatlogRole(), subjects.event("message")],
    [chatlogRole(), subjects.platformAction("cytube", "chat")],
    [statsRole(), subjects.audit("moderator")],
  ] as const;
  for (const [role, subject] of cases) {
    const bus = await nats.connect(role.name, role.permissions);
    const violations: string[] = [];
    bus.onStatus((event) => {
      if (event.type === "permission-violation") violations.push(event.subject);
    });
    bus.publish(subject, createEnvelope("message", { platform: "cytube", channel: "x" }, {}));
    await waitFor(() => violations.includes(subject), { what: `${role.name} refused ${subject}` });
    await bus.close();
  }
});

Deno.test("each service reads and writes only its own key of the services' state bucket", async () => {
  await using nats = await TestNats.start();
  const admin = streamAdminRole();
  const adminBus = await nats.connect(admin.name, admin.permissions);
  await ensureCoreStreams(adminBus);
  await adminBus.close();
  const chatlog = await nats.connect(chatlogRole().name, chatlogRole().permissions);
  const stats = await nats.connect(statsRole().name, statsRole().permissions);
  const moderator = await nats.connect(moderatorRole().name, moderatorRole().permissions);
  try {
    const bytes = (text: string) => new TextEncoder().encode(text);
    const text = (value: Uint8Array | null) => value && new TextDecoder().decode(value);
    await ServiceState.of(chatlog, "chatlog", "chatlog").save(bytes("cursor"));
    await ServiceState.of(stats, "stats", "stats").save(bytes("state"));
    assert.equal(text(await ServiceState.of(stats, "stats", "stats").load()), "state");
    // Another service's key, another instance's key, or the bucket to a service without one.
    const refused = [
      [chatlog, "stats", "stats"],
      [chatlog, "chatlog", "other"],
      [stats, "chatlog", "chatlog"],
      [moderator, "stats", "stats"],
    ] as const;
    for (const [bus, service, instance] of refused) {
      const state = ServiceState.of(bus, service, instance);
      await assert.rejects(state.load(), /Permissions Violation/, `${service}.${instance} read`);
      await assert.rejects(state.save(bytes("forged")), /Permissions Violation/);
    }
    assert.equal(text(await ServiceState.of(chatlog, "chatlog", "chatlog").load()), "cursor");
  } finally {
    await Promise.all([chatlog.close(), stats.close(), moderator.close()]);
  }
});

Deno.test("no identity that pulls from a stream may also answer requests through allow_responses", () => {
  // nats-server 2.9 records the reply subject of every message delivered to a connection with
  // `allow_responses`; each pulled message has one (`$JS.ACK…`) nobody answers, and past 4096
  // records every delivery scans them all (nats-io/nats-server#6058): at 1000 events/s the
  // stats reader cost nats-server ~200 us per event after 5 s, growing for 2 minutes.
  // Known and left: a connector in `nats.delivery: durable` (its action consumer; actions come
  // at the command rate, docs/PERFORMANCE.md says what it costs).
  const offenders: string[] = [];
  for (const [key, role] of credentialRoles()) {
    const { name, permissions } = role();
    const pulls = (permissions.publish?.allow ?? []).some((s) =>
      s.startsWith("$JS.API.CONSUMER.MSG.NEXT.")
    );
    if (pulls && permissions.responses && !name.startsWith("connector-")) {
      offenders.push(`${key} (${name})`);
    }
  }
  assert.deepEqual(offenders, []);
});
