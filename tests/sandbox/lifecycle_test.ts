/**
 * Plugin lifecycle under the real manager: crash → restart with backoff; crash loop →
 * quarantine with the reason; hang → command timeout, then restart; stop/start over the admin
 * subjects; the table the router consumes; the kill switch.
 */
import assert from "node:assert/strict";
import {
  BusRequestError,
  CommandResultSchema,
  PluginTableSchema,
  subjects,
} from "@quicksilver/core";
import type { AdminReply } from "@quicksilver/sandbox";
import { PluginTestBed } from "@quicksilver/sdk/testing";
import { waitFor } from "@quicksilver/testing";

const fixture = (name: string) => new URL(`./fixtures/${name}.ts`, import.meta.url).pathname;
const hostile = (name: string) => new URL(`./hostile/${name}.ts`, import.meta.url).pathname;

Deno.test("a crashed plugin is restarted with backoff and answers again", async () => {
  await using bed = await PluginTestBed.start(fixture("flaky"), {
    restartPolicy: { initialDelayMs: 200, crashLoopCount: 10 },
  });
  const pid = bed.status().pid;
  assert.equal(bed.text(await bed.command("!crash")), "crashing");
  await waitFor(() => bed.status().state === "restarting", { what: "the crash to be noticed" });
  assert.match(bed.status().reason ?? "", /crashed|exit/i);
  await waitFor(() => bed.status().state === "running" && bed.status().pid !== pid, {
    what: "a restart",
  });
  assert.equal(bed.status().restarts, 1);
  assert.equal(bed.text(await bed.command("!ping")), "pong");
  // The second crash waits twice as long (backoff), the manager says so in the reason.
  await bed.command("!crash");
  await waitFor(() => /Restarting in 400 ms/.test(bed.status().reason ?? ""), {
    what: "a doubled backoff",
  });
  await waitFor(() => bed.status().state === "running", { what: "the second restart" });
});

Deno.test("a crash loop is quarantined with the reason, and starts again when asked", async () => {
  await using bed = await PluginTestBed.start(fixture("crashloop"), {
    restartPolicy: { initialDelayMs: 50, crashLoopCount: 3 },
    requireRunning: false,
  });
  await waitFor(() => bed.status().state === "quarantined", { what: "quarantine" });
  assert.match(
    bed.status().reason ?? "",
    /^crash loop: it failed 3 times within 300 s; last: its setup failed: .*the database is missing/,
  );
  assert.equal(bed.status().restarts, 2);
  await bed.start(); // the operator asks: it gets a fresh chance (and fails again)
  assert.notEqual(bed.status().state, "quarantined");
  await waitFor(() => bed.status().state === "quarantined", { what: "quarantine again" });
});

Deno.test("a hung plugin: the command times out, then it is restarted and answers", async () => {
  await using bed = await PluginTestBed.start(hostile("cpu_spin"), {
    timings: { heartbeatMs: 200, heartbeatTimeoutMs: 1000 },
  });
  const first = bed.status().pid;
  const error = await bed.command("!spin", { timeoutMs: 1500 }).catch((e) => e);
  assert.ok(error instanceof BusRequestError && error.code === "timeout", String(error));
  await waitFor(() => bed.violations.some((v) => v.kind === "unresponsive"), {
    what: "an unresponsive report",
  });
  await waitFor(() => bed.status().state === "running" && bed.status().pid !== first, {
    what: "a restart",
  });
  assert.equal(bed.text(await bed.command("!ping")), "pong");
});

Deno.test("an async handler that never finishes gets a timeout error at the request's deadline, and the plugin keeps serving", async () => {
  await using bed = await PluginTestBed.start(fixture("flaky"));
  const asked = performance.now();
  assert.deepEqual(await bed.command("!wait", { timeoutMs: 300 }), {
    ok: false,
    error: { code: "timeout", message: "!wait took too long" },
  });
  const waited = performance.now() - asked;
  assert.ok(waited >= 290, `answered after ${waited} ms, before the 300 ms deadline`);
  assert.equal(bed.text(await bed.command("!ping")), "pong");
});

Deno.test("rank and cooldown are the router's to decide: the plugin host serves what reaches it", async () => {
  // Only the router's NATS user may publish command requests (tests/router/service_roles_test),
  // so the runner does not check a second time with other keys and other messages.
  await using bed = await PluginTestBed.start(fixture("greeter"));
  const router = await bed.nats.connect("stand-in-router");
  const ask = () =>
    router.request(subjects.commandExecute("greeter"), {
      command: "greeted",
      args: [],
      rawArgs: "",
      user: { name: "guest1", rank: 0 },
      source: bed.source,
      messageId: crypto.randomUUID(),
      deadlineMs: 2000,
    }, { timeoutMs: 3000, schema: CommandResultSchema });
  assert.deepEqual(await ask(), { ok: true, reply: ["0 greeted"] });
  assert.deepEqual(await ask(), { ok: true, reply: ["0 greeted"] });
});

Deno.test("stop, start and list over the admin subjects; the table follows", async () => {
  await using bed = await PluginTestBed.start(fixture("greeter"), {
    settings: { config: { greeting: "Howdy" } },
  });
  const client = await bed.nats.connect("operator");
  const tables: number[] = [];
  client.subscribe(
    subjects.pluginManifests(),
    (t) => void tables.push(t.plugins[0]?.state === "running" ? 1 : 0),
    {
      schema: PluginTableSchema,
    },
  );
  await client.flush();
  bed.emit("user.join", { user: { name: "dora", rank: 1 } });
  assert.equal((await bed.nextSay()).text, "Howdy, dora!");
  const stop = await client.request<AdminReply>(subjects.adminPlugins("stop"), {
    plugin: "greeter",
  }, { timeoutMs: 15_000 });
  assert.ok(stop.ok && stop.plugins[0]?.state === "stopped", JSON.stringify(stop));
  await assert.rejects(bed.command("!greeted", { rank: 2, timeoutMs: 1000 }), BusRequestError);
  const start = await client.request<AdminReply>(subjects.adminPlugins("start"), {
    plugin: "greeter",
  }, { timeoutMs: 15_000 });
  assert.ok(start.ok && start.plugins[0]?.state === "running", JSON.stringify(start));
  const list = await client.request<AdminReply>(subjects.adminPlugins("list"), {});
  assert.ok(list.ok);
  assert.deepEqual(
    list.plugins.map((p) => [p.name, p.state, p.manifest?.commands.map((c) => c.name)]),
    [
      ["greeter", "running", ["greeted"]],
    ],
  );
  assert.equal(bed.text(await bed.command("!greeted", { rank: 2 })), "1 greeted");
  assert.deepEqual(await bed.command("!greeted", { rank: 1 }), {
    ok: false,
    error: { code: "not_permitted", message: "tester: !greeted needs rank moderator." },
  });
  await waitFor(() => tables.includes(0) && tables.at(-1) === 1, {
    what: "tables for stopped and running",
  });
  const unknown = await client.request<AdminReply>(subjects.adminPlugins("stop"), {
    plugin: "nope",
  });
  assert.ok(!unknown.ok && /no plugin named "nope"/.test(unknown.error.message));
});

Deno.test("the kill switch revokes the plugin's NATS user, kills it and quarantines it", async () => {
  await using bed = await PluginTestBed.start(fixture("flaky"));
  await bed.manager.killSwitch("flaky", "operator pulled the plug");
  const status = bed.status();
  assert.equal(status.state, "quarantined");
  assert.match(status.reason ?? "", /kill switch: operator pulled the plug/);
  await waitFor(
    () => bed.violations.some((v) => v.kind === "kill-switch" && v.action === "quarantined"),
    {
      what: "the kill switch report",
    },
  );
  await assert.rejects(bed.command("!ping", { timeoutMs: 1000 }), BusRequestError);
});

Deno.test("a reason built from a plugin's own error text cannot steer the operator's terminal", async () => {
  await using bed = await PluginTestBed.start(fixture("steering_setup"), {
    restartPolicy: { initialDelayMs: 50, crashLoopCount: 1 },
    requireRunning: false,
  });
  await waitFor(() => /setup failed/.test(bed.status().reason ?? ""), { what: "the failure" });
  const reason = bed.status().reason ?? "";
  // deno-lint-ignore no-control-regex -- control characters are what this looks for
  assert.doesNotMatch(reason, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u, reason);
  // Still one line the operator can read, the plugin's words kept as text.
  assert.match(reason, /its setup failed: .*pwned.*red exe\.txt .*plugin ready/);
});
