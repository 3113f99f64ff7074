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
