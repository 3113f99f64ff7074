/**
 * Issue 11 A7, other inputs: a denial is reported even when the plugin hides it in a flood of
 * its own output.
 */
import assert from "node:assert/strict";
import { PluginTestBed } from "@quicksilver/sdk/testing";
import { waitFor } from "@quicksilver/testing";

const hostile = (name: string) => new URL(`./hostile/${name}.ts`, import.meta.url).pathname;

Deno.test("a signal attempt and a too-large answer hidden in an output flood are still reported, once each", async () => {
  await using bed = await PluginTestBed.start(hostile("kill_in_flood"));
  await waitFor(() => bed.violations.some((v) => v.kind === "output-flood"), {
    what: "the flood report",
  });
  for (let i = 0; i < 3; i++) {
    const result = await bed.command("!big");
    assert.deepEqual(result, {
      ok: false,
      error: { code: "failed", message: "That answer was too long to send." },
    });
  }
  for (const kind of ["deno-run", "reply-too-large"]) {
    await waitFor(() => bed.violations.some((v) => v.kind === kind), {
      timeoutMs: 10_000,
      what: `the ${kind} report`,
    });
    assert.equal(bed.violations.filter((v) => v.kind === kind).length, 1, kind);
  }
  assert.ok(bed.violations.every((v) => v.plugin === "kill_in_flood"));
});

/** Runs `!done` and waits for its env report: every check before it has been judged by then. */
async function judged(bed: PluginTestBed): Promise<void> {
  assert.equal(bed.text(await bed.command("!done")), "done");
  await waitFor(() => bed.violations.some((v) => v.kind === "deno-env"), {
    timeoutMs: 10_000,
    what: "the barrier's env report",
  });
}

Deno.test("a plugin declaring any host probing a dozen ungranted hosts gets one needs-grant report, counted toward nothing", async () => {
  await using bed = await PluginTestBed.start(hostile("net_any_prober"));
  for (const user of ["alice", "bob", "carol", "dave"]) {
    assert.equal(bed.text(await bed.command("!probe", { user })), "probed");
  }
  await judged(bed);
  assert.deepEqual(bed.violations.map((v) => v.kind), ["needs-grant", "deno-env"]);
  assert.equal(bed.violations[0]!.action, "needs-grant");
  assert.equal(bed.status().violations, 1, "the barrier's env read only");
  assert.equal(bed.status().state, "running");
});

Deno.test("a host declared in upper case is still the host it declared: refused as needs-grant, not an attack", async () => {
  await using bed = await PluginTestBed.start(hostile("net_upper_case"));
  for (const user of ["alice", "bob", "carol", "dave"]) {
    assert.equal(bed.text(await bed.command("!fetch", { user })), "refused");
  }
  await judged(bed);
  assert.deepEqual(bed.violations.map((v) => v.kind), ["needs-grant", "deno-env"]);
  assert.match(bed.violations[0]!.detail, /grants\.net: \["api\.weather\.test"\]/);
  assert.equal(bed.status().violations, 1, "the barrier's env read only");
  assert.equal(bed.status().state, "running");
});

Deno.test("a Worker asking for its own permissions is refused and reported once; the plugin keeps serving", async () => {
  await using bed = await PluginTestBed.start(hostile("worker_escalate"));
  for (const user of ["alice", "bob", "carol"]) {
    assert.equal(
      bed.text(await bed.command("!escalate", { user })),
      "refused NotCapable, plain worker started, refused NotCapable",
    );
  }
  await waitFor(() => bed.violations.some((v) => v.kind === "worker-permissions"), {
    timeoutMs: 10_000,
    what: "the worker-permissions report",
  });
  await bed.stop();
  assert.deepEqual(bed.violations.map((v) => [v.plugin, v.kind]), [
    ["worker_escalate", "worker-permissions"],
  ]);
  assert.equal(bed.status().restarts, 0, "it never crashed");
});

Deno.test("a burst of denials past the kill switch's threshold quarantines the plugin once, with one kill-switch report", async () => {
  await using bed = await PluginTestBed.start(hostile("sys_info"), { requireRunning: false });
  await waitFor(() => bed.violations.some((v) => v.kind === "kill-switch"), {
    timeoutMs: 10_000,
    what: "the kill switch",
  });
  assert.equal(bed.status().state, "quarantined");
  // A barrier: starting it again is queued behind anything the first kill switch left to do,
  // and the next launch's reports come from the same publisher, so once one arrives every
  // report of the first launch has.
  const seen = bed.violations.length;
  await bed.start();
  await waitFor(
    () =>
      bed.violations.slice(seen).some((v) => v.kind === "deno-sys" && v.detail === "sys hostname"),
    { timeoutMs: 10_000, what: "the second launch's first report" },
  );
  const second = bed.violations.findIndex((v, i) =>
    i >= seen && v.kind === "deno-sys" && v.detail === "sys hostname"
  );
  const first = bed.violations.slice(0, second);
  // Seven different denials, each reported once: the sandbox saw seven attempts.
  assert.equal(first.filter((v) => v.kind === "deno-sys").length, 7);
  const switches = first.filter((v) => v.kind === "kill-switch");
  assert.equal(switches.length, 1, JSON.stringify(switches.map((v) => v.detail)));
  assert.match(switches[0]!.detail, /^3 security violation\(s\)/);
  assert.ok(bed.violations.every((v) => v.plugin === "sys_info"));
});

Deno.test("empty directories made in one synchronous burst are refused soon past the file quota, reported once", async () => {
  await using bed = await PluginTestBed.start(hostile("dir_burst"), {
    settings: { limits: { dataFiles: 100 } },
  });
  const answer = bed.text(await bed.command("!burst"));
  const made = Number(/^refused after (\d+): PermissionDenied$/.exec(answer)?.[1]);
  // Overshoot is what it made before the recount saw it: bounded, not 20 s of mkdir (which is
  // hundreds of thousands). A busy machine delays the recount: ~7,600 were seen at load 8.
  assert.ok(made >= 100 && made < 25_000, answer);
  await waitFor(() => bed.violations.some((v) => v.kind === "data-quota"), {
    timeoutMs: 10_000,
    what: "the data-quota report",
  });
  assert.equal(bed.text(await bed.command("!burst")), "refused after 0: PermissionDenied");
  assert.equal(bed.violations.filter((v) => v.kind === "data-quota").length, 1);
});

Deno.test("a signal attempt is reported as a denial however the plugin disguises or breaks what the report is made of", async () => {
  await using bed = await PluginTestBed.start(hostile("tripwire_disguise"), {
    requireRunning: false,
  });
  await waitFor(() => bed.violations.filter((v) => v.kind === "deno-run").length === 4, {
    timeoutMs: 10_000,
    what: "four deno-run reports",
  });
  const runs = bed.violations.filter((v) => v.kind === "deno-run");
  assert.deepEqual(runs.map((v) => [v.action, v.detail]).sort(), [
    ["denied", "run kill 1"],
    ["denied", "run kill 2"],
    ["denied", "run kill ?"],
    ["denied", "run sh"],
  ]);
  assert.equal(bed.violations.filter((v) => v.kind === "reply-too-large").length, 0);
});
