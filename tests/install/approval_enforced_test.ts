/**
 * The manager's side of an install: an installed plugin runs only as the bytes the operator
 * approved, declaring nothing beyond what was reviewed, and is granted nothing beyond its
 * approval even when rosey.yaml grants more. A refusal is reported once on
 * rosey.security.violation with the plugin's name, and the other plugins keep serving.
 */
import assert from "node:assert/strict";
import {
  CommandResultSchema,
  type SecurityViolation,
  SecurityViolationSchema,
  subjects,
} from "@quicksilver/core";
import {
  type ApprovalRecord,
  installedFiles,
  type PermissionSet,
  PluginManager,
  type PluginSettingsInput,
  sha256Hex,
} from "@quicksilver/sandbox";
import { TestNats, waitFor } from "@quicksilver/testing";
import { pluginSource, type PluginSpec } from "./_index.ts";

const DICE = new URL("../../plugins/dice.ts", import.meta.url).pathname;

const permissions = (p: Partial<PermissionSet>): PermissionSet => ({
  commands: [],
  events: [],
  net: [],
  publish: [],
  subscribe: [],
  npm: [],
  ...p,
});

/** Installs `spec` as approved with `approved`, then (optionally) swaps the file's text. */
async function install(
  dir: string,
  spec: PluginSpec,
  approved: PermissionSet,
  options: { fileText?: string; requested?: PermissionSet } = {},
) {
  const code = new TextEncoder().encode(pluginSource(spec));
  const record: ApprovalRecord = {
    name: spec.name,
    version: spec.version,
    source: "test",
    sha256: await sha256Hex(code),
    publisher: null,
    approvedAt: new Date().toISOString(),
    approved,
    ...(options.requested ? { requested: options.requested } : {}),
  };
  const files = installedFiles(dir);
  await files.put(record, code);
  if (options.fileText) await Deno.writeTextFile(files.fileOf(spec.name), options.fileText);
}

async function withManager(
  setup: (installedDir: string) => Promise<void>,
  plugins: Record<string, PluginSettingsInput>,
  check: (
    manager: PluginManager,
    violations: SecurityViolation[],
    roll: () => Promise<unknown>,
  ) => Promise<void>,
) {
  await using nats = await TestNats.start();
  const root = await Deno.makeTempDir({ prefix: "quicksilver-approval-" });
  const observer = await nats.connect("security-observer");
  const violations: SecurityViolation[] = [];
  observer.subscribe(subjects.securityViolation(), (v) => void violations.push(v), {
    schema: SecurityViolationSchema,
  });
  await observer.flush();
  await setup(`${root}/installed`);
  const manager = new PluginManager({
    authority: nats.authority,
    servers: nats.url,
    pluginFiles: [DICE],
    installedDir: `${root}/installed`,
    dataDir: `${root}/data`,
    plugins,
  });
  const caller = await nats.connect("svc-router");
  const roll = () =>
    caller.request(subjects.commandExecute("dice"), {
      command: "roll",
      args: ["1d6"],
      rawArgs: "1d6",
      deadlineMs: 5000,
      user: { name: "alice", rank: 1 },
      source: { platform: "shell", channel: "test" },
      messageId: crypto.randomUUID(),
    }, { schema: CommandResultSchema, timeoutMs: 5000 });
  try {
    await manager.start();
    await check(manager, violations, roll);
  } finally {
    await manager.stop();
    await caller.close();
    await observer.close();
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("an installed plugin whose file changed after approval is refused and reported once; others keep serving", async () => {
  const spec = { name: "hello", version: "1.0.0", reply: "hi" };
  await withManager(
    (dir) =>
      install(dir, spec, permissions({ commands: ["hello"] }), {
        fileText: pluginSource({ ...spec, reply: "changed behind your back" }),
      }),
    {},
    async (manager, violations, roll) => {
      const status = manager.supervisor("hello").status();
      assert.equal(status.state, "refused");
      assert.match(status.reason ?? "", /not the approved [0-9a-f]{64}/);
      await waitFor(() => violations.some((v) => v.plugin === "hello"), {
        timeoutMs: 5000,
        what: "the violation report",
      });
      assert.deepEqual(
        violations.filter((v) => v.plugin === "hello").map((v) => v.kind),
        ["tampered"],
      );
      assert.equal(((await roll()) as { ok: boolean }).ok, true);
    },
  );
});

Deno.test("an installed plugin declaring a command it was not approved for is refused", async () => {
  await withManager(
    (dir) =>
      install(
        dir,
        { name: "hello", version: "1.0.0", reply: "hi", commands: ["hello", "roll"] },
        permissions({ commands: ["hello"] }),
      ),
    {},
    async (manager, violations) => {
      const status = manager.supervisor("hello").status();
      assert.equal(status.state, "refused");
      assert.match(status.reason ?? "", /beyond|more than the operator reviewed.*command !roll/);
      await waitFor(() => violations.some((v) => v.plugin === "hello"), {
        timeoutMs: 5000,
        what: "the violation report",
      });
      assert.equal(violations.filter((v) => v.plugin === "hello").length, 1);
    },
  );
});

Deno.test("rosey.yaml cannot grant an installed plugin a host its approval left out", async () => {
  const asked = permissions({ commands: ["hello"], net: ["api.example.com:443"] });
  await withManager(
    (dir) =>
      install(
        dir,
        { name: "hello", version: "1.0.0", reply: "hi", net: ["api.example.com:443"] },
        permissions({ commands: ["hello"] }),
        { requested: asked },
      ),
    { hello: { grants: { net: ["api.example.com:443"] }, limits: { memoryMb: 512 } } },
    (manager) => {
      assert.equal(manager.supervisor("hello").state, "running");
      const settings = manager.settingsOf("hello");
      assert.deepEqual(settings.grants.net, []);
      // Memory is the default, not the 512 MB of the file: the approval named none.
      assert.ok(settings.resourceLimits.memoryMb < 512, String(settings.resourceLimits.memoryMb));
      return Promise.resolve();
    },
  );
});
