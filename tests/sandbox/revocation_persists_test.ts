/**
 * The kill switch's revocations outlive restarts: nats.conf runs the full resolver, which stores
 * the account JWT pushed with each revocation in `<state>/jwt` (issue 13). A revoked plugin user
 * (24 h JWT, still unexpired) cannot connect again after nats-server restarts, nor after the
 * plugin manager restarts and revokes someone else.
 */
import assert from "node:assert/strict";
import { EventBus, type UserCredentials } from "@quicksilver/core";
import { mintPluginUser, pluginNatsRights, Revoker } from "@quicksilver/sandbox";
import { TestNats } from "@quicksilver/testbed";

/** Connects once with these creds, no waiting for the server: the error, or undefined. */
async function connectError(nats: TestNats, user: UserCredentials): Promise<string | undefined> {
  try {
    const bus = await EventBus.connect({
      servers: nats.url,
      name: "probe",
      creds: user.creds,
      waitOnFirstConnect: false,
    });
    await bus.close();
    return undefined;
  } catch (error) {
    return String(error);
  }
}

function pluginUser(nats: TestNats, name: string): Promise<UserCredentials> {
  return mintPluginUser(nats.authority, pluginNatsRights({ name, events: [] }));
}

Deno.test("a plugin revoked by the kill switch cannot connect after nats-server restarts", async () => {
  await using nats = await TestNats.start();
  const victim = await pluginUser(nats, "victim");
  const bystander = await pluginUser(nats, "bystander");
  assert.equal(await connectError(nats, victim), undefined, "connects before the revocation");

  const revoker = new Revoker({ authority: nats.authority, servers: nats.url, keepSeconds: 86400 });
  await revoker.revoke(victim.publicKey);
  await revoker.close();
  assert.match(await connectError(nats, victim) ?? "", /revoked|authorization/i);

  await nats.server.restart();
  assert.match(await connectError(nats, victim) ?? "", /revoked|authorization/i);
  assert.equal(await connectError(nats, bystander), undefined, "others still connect");
});

Deno.test("a restarted plugin manager revoking another plugin keeps the earlier revocations", async () => {
  await using nats = await TestNats.start();
  const first = await pluginUser(nats, "first");
  const second = await pluginUser(nats, "second");
  const before = new Revoker({ authority: nats.authority, servers: nats.url, keepSeconds: 86400 });
  await before.revoke(first.publicKey);
  await before.close();
  // A new manager (a new revoker, empty memory) revokes another plugin, then the server restarts.
  const after = new Revoker({ authority: nats.authority, servers: nats.url, keepSeconds: 86400 });
  await after.revoke(second.publicKey);
  await after.close();
  await nats.server.restart();
  assert.match(await connectError(nats, first) ?? "", /revoked|authorization/i);
  assert.match(await connectError(nats, second) ?? "", /revoked|authorization/i);
});
