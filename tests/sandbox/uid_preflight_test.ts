/**
 * Before any plugin starts, the manager checks once whether plugin uids can reach what every
 * plugin needs. What blocks them is one warning line with its fix, not one per plugin.
 */
import assert from "node:assert/strict";
import { createLogger, type LogFields } from "@quicksilver/core";
import { RuntimeLayout } from "../../sandbox/manager/layout.ts";
import { uidPreflight } from "../../sandbox/manager/uid_preflight.ts";
import { UidPool } from "../../sandbox/process/mod.ts";

function capture() {
  const lines: { level: string; msg: string }[] = [];
  const logger = createLogger({
    level: "debug",
    format: "json",
    sink: (line) => {
      const { level, msg } = JSON.parse(line) as LogFields & { level: string; msg: string };
      lines.push({ level, msg });
    },
  });
  return { lines, logger };
}

/** A checkout (deno.json, runner, SDK, node_modules) under `root`, and a data root beside it. */
async function fakeCheckout(root: string) {
  const checkout = `${root}/home/qs`;
  await Deno.mkdir(`${checkout}/node_modules/pkg`, { recursive: true });
  for (const file of ["deno.json", "runner.ts", "sdk.ts", "node_modules/pkg/index.js"]) {
    await Deno.writeTextFile(`${checkout}/${file}`, "{}");
  }
  const exe = `${root}/bin/deno`;
  await Deno.mkdir(`${root}/bin`);
  await Deno.writeTextFile(exe, "#!/bin/sh\n");
  await Deno.chmod(exe, 0o755);
  const layout = new RuntimeLayout(`${root}/state/plugins`);
  await layout.prepare();
  return {
    exe,
    layout,
    shared: {
      checkout,
      config: `${checkout}/deno.json`,
      runner: `${checkout}/runner.ts`,
      sdk: `${checkout}/sdk.ts`,
      nodeModules: `${checkout}/node_modules`,
    },
  };
}

Deno.test({
  name: "a checkout inside a folder plugin uids cannot enter is one warning naming that folder " +
    "and its fix, and plugins fall back to the manager's uid",
  // The blocking folder must belong to someone else (the manager opens up its own folders).
  ignore: Deno.build.os !== "linux" || Deno.uid() !== 0,
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "qs_preflight_" });
    try {
      await Deno.chmod(root, 0o755);
      const { exe, layout, shared } = await fakeCheckout(root);
      await Deno.chown(`${root}/home`, 1234, 1234);
      await Deno.chmod(`${root}/home`, 0o700);
      const { lines, logger } = capture();
      const uids = new UidPool({ isRoot: true, reservedIds: [] });
      const result = await uidPreflight({ uids, layout, denoPath: exe, shared, logger });
      assert.equal(result.uids, null);
      const warnings = lines.filter((l) => l.level === "warn");
      assert.equal(warnings.length, 1, JSON.stringify(lines));
      assert.match(
        warnings[0]!.msg,
        new RegExp(
          `this checkout \\(${shared.checkout}\\) is inside ${root}/home.*` +
            `Fix: chmod o\\+x ${root}/home`,
        ),
      );
      assert.doesNotMatch(warnings[0]!.msg, /\n/, "one line");
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test("with everything reachable the preflight keeps per-plugin uids and says nothing", async () => {
  const root = await Deno.makeTempDir({ prefix: "qs_preflight_" });
  try {
    await Deno.chmod(root, 0o755);
    const { exe, layout, shared } = await fakeCheckout(root);
    const { lines, logger } = capture();
    const uids = new UidPool({ isRoot: true, reservedIds: [] });
    const result = await uidPreflight({ uids, layout, denoPath: exe, shared, logger });
    assert.equal(result.uids, uids);
    assert.equal(result.denoPath, exe);
    assert.deepEqual(lines.filter((l) => l.level !== "debug"), []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
