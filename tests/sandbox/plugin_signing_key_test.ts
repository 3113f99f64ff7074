/**
 * Least privilege across hosts (issue 13 point 3): a plugin host holding only the account's
 * `plugin` scoped signing key mints its plugins' users, and those users get exactly the key's
 * template (filled from their tags), whatever their own JWT says; nothing minted with it can act
 * as the router or a connector. Real nats-server in operator mode with the full resolver.
 */
import assert from "node:assert/strict";
import * as jwt from "@nats-io/jwt";
import { createUser } from "@nats-io/nkeys";
import {
  CommandResultSchema,
  connectorRole,
  EventBus,
  JETSTREAM_API,
  mintScopedUser,
  parseScopedKeyFile,
  scopedKeyFileText,
  type ScopedSigningKey,
  SecurityViolationSchema,
  STREAMS,
  subjects,
  type UserCredentials,
} from "@quicksilver/core";
import {
  installPluginSigningKey,
  mintPluginUser,
  PluginCredentialsError,
  pluginHostRole,
  PluginManager,
  pluginNatsRights,
  Revoker,
} from "@quicksilver/sandbox";
import { TestNats, waitFor } from "@quicksilver/testing";

const DICE = new URL("../../plugins/dice.ts", import.meta.url).pathname;
const textDecoder = new TextDecoder();

/** Connects once with these creds: the bus, or the error text. */
async function tryConnect(nats: TestNats, creds: string, name: string) {
  try {
    return await EventBus.connect({
      servers: nats.url,
      name,
      creds,
      inboxPrefix: `_INBOX.${name}`,
      waitOnFirstConnect: false,
    });
  } catch (error) {
    return String(error);
  }
}

async function connected(nats: TestNats, user: UserCredentials): Promise<EventBus> {
  const bus = await tryConnect(nats, user.creds, user.name);
  assert.ok(typeof bus !== "string", `connects: ${bus}`);
  return bus;
}

/** Publishing to `subject` is refused by the server (a request gets the permission error). */
async function assertPublishRefused(bus: EventBus, subject: string) {
  await assert.rejects(
    () => bus.connection.request(subject, "{}", { timeout: 3000 }),
    /Permissions Violation for Publish/,
    `${subject} must be refused`,
  );
}

/** A user signed by the scoped key whose own JWT asks for `claims` (ignored or refused). */
async function greedyUser(
  key: ScopedSigningKey,
  name: string,
  claims: Partial<jwt.User>,
): Promise<UserCredentials> {
  const user = createUser();
  // scopedUser: the claims go into the JWT as given (no default limits added).
  const token = await jwt.encodeUser(name, user, key.accountPublicKey, claims, {
    signer: key.keyPair,
    scopedUser: true,
  });
  return {
    name,
    publicKey: user.getPublicKey(),
    jwt: token,
    creds: textDecoder.decode(jwt.fmtCreds(token, user)),
  };
}

async function execute(bus: EventBus, plugin: string, line: string): Promise<string> {
  const [word = "", ...args] = line.split(" ");
  const result = await bus.request(subjects.commandExecute(plugin), {
    command: word,
    args,
    rawArgs: args.join(" "),
    deadlineMs: 20_000,
    user: { name: "tester", rank: 1 },
    source: { platform: "shell", channel: "test" },
    messageId: crypto.randomUUID(),
  }, { schema: CommandResultSchema, timeoutMs: 21_000 });
  return result.ok ? result.reply.join("\n") : `${result.error.code}: ${result.error.message}`;
}

Deno.test("a plugin host holding only the plugin signing key runs dice, which answers; its kill switch still ends and quarantines it", async () => {
  await using nats = await TestNats.start();
  // What the operator hands the plugin host: the key file (round-tripped) and the host's creds.
  const exported = scopedKeyFileText(
    await installPluginSigningKey({ authority: nats.authority, servers: nats.url }),
  );
  const key = parseScopedKeyFile(exported, "plugin-host.nk");
  assert.ok(!exported.includes(textDecoder.decode(nats.authority.appAccount.keyPair.getSeed())));
  const hostBus = await connected(
    nats,
    await nats.mint("svc-plugin-manager", pluginHostRole().permissions),
  );
  const dataDir = await Deno.makeTempDir({ prefix: "quicksilver-scoped-host-" });
  const manager = new PluginManager({
    pluginSigningKey: key,
    bus: hostBus,
    servers: nats.url,
    pluginFiles: [DICE],
    dataDir,
    timings: { heartbeatMs: 250 },
  });
  try {
    await manager.start();
    const router = await nats.connect("svc-router");
    assert.match(await execute(router, "dice", "roll 1d1"), /^tester rolled 1d1: .*1$/);
    assert.equal(manager.supervisor("dice").status().state, "running");

    // No operator key here, so no revocation: the kill switch still ends and quarantines it.
    const reports: string[] = [];
    router.subscribe(
      subjects.securityViolation(),
      (v) => void reports.push(`${v.plugin} ${v.kind}`),
      {
        schema: SecurityViolationSchema,
      },
    );
    await router.flush();
    await manager.killSwitch("dice", "operator pulled the plug");
    assert.equal(manager.supervisor("dice").status().state, "quarantined");
    await waitFor(() => reports.length > 0, { what: "the kill-switch report" });
    await assert.rejects(() => execute(router, "dice", "roll 1d1"));
    assert.deepEqual(reports, ["dice kill-switch"], "reported once");
  } finally {
    await manager.stop();
    await hostBus.close();
    await Deno.remove(dataDir, { recursive: true }).catch(() => undefined);
  }
});

Deno.test("a plugin user minted with the plugin key has its own plugin's rights and no other", async () => {
  await using nats = await TestNats.start();
  const key = await installPluginSigningKey({ authority: nats.authority, servers: nats.url });
  const alpha = await connected(
    nats,
    await mintPluginUser(key, pluginNatsRights({ name: "alpha", events: ["user.join"] })),
  );
  const observer = await nats.connect("observer");
  const seen: string[] = [];
  observer.connection.subscribe(">", { callback: (_e, m) => void seen.push(m.subject) });
  await observer.flush();
  alpha.connection.publish(subjects.plugin("alpha", "note"), "{}");
  alpha.connection.subscribe(subjects.event("user.join"));
  await alpha.flush();
  for (
    const subject of [
      subjects.plugin("beta", "note"),
      subjects.commandResult("beta"),
      subjects.commandExecute("beta"),
      subjects.platformAction("cytube", "chat"),
      subjects.event("message"),
    ]
  ) await assertPublishRefused(alpha, subject);
  assert.ok(seen.includes(subjects.plugin("alpha", "note")), "its own subject goes through");
  assert.ok(!seen.some((s) => s.includes("beta") || s.includes("platform")), seen.join());
});

Deno.test("a user signed by the plugin key asking for more rights in its JWT is refused; without the ask it gets only the template", async () => {
  await using nats = await TestNats.start();
  const key = await installPluginSigningKey({ authority: nats.authority, servers: nats.url });
  const tags = ["plugin:alpha", "bucket:plugin_alpha", "stream:KV_plugin_alpha", "event:message"];
  const greedy = await greedyUser(key, "plugin-alpha", {
    pub: { allow: [subjects.allEvents(), subjects.allPlatform(), ">"], deny: [] },
    sub: { allow: [">"], deny: [] },
    tags,
  });
  // nats-server 2.9.10 does not merely ignore a scoped user's own permissions: it refuses the
  // login (jwt v2 UserScope.ValidateScopedSigner, "scoped users require no permissions").
  assert.match(
    String(await tryConnect(nats, greedy.creds, greedy.name)),
    /Authorization Violation/,
  );
  // The same user without the ask connects, and the template, not its wish, decides.
  const plain = await connected(nats, await greedyUser(key, "plugin-alpha", { tags }));
  await assertPublishRefused(plain, subjects.platformAction("cytube", "chat"));
  await assertPublishRefused(plain, subjects.plugin("beta", "note"));
  await assertPublishRefused(plain, subjects.event("message"));
  await plain.close();
});

Deno.test("the plugin key cannot mint a working router or connector identity", async () => {
  await using nats = await TestNats.start();
  const key = await installPluginSigningKey({ authority: nats.authority, servers: nats.url });
  // Named and tagged as a router/connector would like: the template still decides.
  const router = await connected(
    nats,
    await mintScopedUser(key, { name: "svc-router", tags: ["role:router"] }),
  );
  await assertPublishRefused(router, subjects.commandExecute("dice"));
  await assertPublishRefused(router, subjects.platformAction("cytube", "chat"));
  const connector = await connected(
    nats,
    await mintScopedUser(key, { name: connectorRole("cytube").name, tags: ["plugin:cytube"] }),
  );
  await assertPublishRefused(connector, subjects.event("message"));
  await assertPublishRefused(connector, subjects.platformRaw("cytube", "chatMsg"));
  // Nor a user of the system account: the key belongs to the application account only.
  const sys = await tryConnect(
    nats,
    (await mintScopedUser({ ...key, accountPublicKey: nats.authority.systemAccount.publicKey }, {
      name: "svc-plugin-revoker",
      tags: [],
    })).creds,
    "svc-plugin-revoker",
  );
  assert.equal(typeof sys, "string", "a system-account user signed by the plugin key is refused");
});

Deno.test("a host tagging itself wildcards still reaches no core stream, platform or command request", async () => {
  await using nats = await TestNats.start();
  const key = await installPluginSigningKey({ authority: nats.authority, servers: nats.url });
  const wild = await connected(
    nats,
    await mintScopedUser(key, {
      name: "plugin-wild",
      tags: ["plugin:*", "bucket:*", "stream:*", "event:>"],
    }),
  );
  for (const stream of Object.values(STREAMS)) {
    await assertPublishRefused(wild, `${JETSTREAM_API.directGet(stream)}.${subjects.allEvents()}`);
    await assertPublishRefused(wild, JETSTREAM_API.streamInfo(stream));
  }
  await assertPublishRefused(wild, subjects.platformAction("cytube", "chat"));
  await assertPublishRefused(wild, subjects.commandExecute("dice"));
  await assertPublishRefused(wild, subjects.securityViolation());
});

Deno.test("the plugin key refuses to mint a plugin with operator grants or other limits, naming the fix", async () => {
  await using nats = await TestNats.start();
  const key = await installPluginSigningKey({ authority: nats.authority, servers: nats.url });
  await assert.rejects(
    () =>
      mintPluginUser(key, pluginNatsRights({ name: "weather", events: [] }, { publish: ["x.y"] })),
    (error: Error) =>
      error instanceof PluginCredentialsError && /plugins\.weather\.grants/.test(error.message),
  );
  await assert.rejects(
    () => mintPluginUser(key, pluginNatsRights({ name: "big", events: [] }, {}, { maxPayload: 1 })),
    (error: Error) => error instanceof PluginCredentialsError && /maxPayload 1/.test(error.message),
  );
});

Deno.test("a kill-switch revocation keeps the plugin key, and rotating the key retires the old one", async () => {
  await using nats = await TestNats.start();
  const old = await installPluginSigningKey({ authority: nats.authority, servers: nats.url });
  const rights = pluginNatsRights({ name: "alpha", events: [] });
  const victim = await mintPluginUser(nats.authority, rights);
  const revoker = new Revoker({ authority: nats.authority, servers: nats.url, keepSeconds: 86400 });
  await revoker.revoke(victim.publicKey);
  await revoker.close();
  (await connected(nats, await mintPluginUser(old, rights))).close();

  const rotated = await installPluginSigningKey({ authority: nats.authority, servers: nats.url });
  (await connected(nats, await mintPluginUser(rotated, rights))).close();
  assert.equal(
    typeof await tryConnect(nats, (await mintPluginUser(old, rights)).creds, rights.identity),
    "string",
    "a user of the replaced key is refused",
  );
  // The revocation made before the rotation still holds, also after a restart.
  await nats.server.restart();
  assert.equal(typeof await tryConnect(nats, victim.creds, rights.identity), "string");
  (await connected(nats, await mintPluginUser(rotated, rights))).close();
});
