/**
 * Least privilege: mint a user that may publish to one subject only, and watch the server
 * refuse the rest. A refusal is a status event; the connection lives on.
 *
 *   deno run -A docs/examples/least_privilege.ts
 *
 * Needs the installation's authority (ROSEY_STATE_DIR, default `.rosey`): minting users is
 * what core services do, with the seeds only they can read.
 */
import { EventBus, inboxPrefix, mintUser, subjects } from "@quicksilver/core";
import { localAuthority, NATS_URL } from "./_connect.ts";

const name = "example-narrow";
const user = await mintUser(await localAuthority(), {
  name,
  permissions: {
    publish: { allow: [subjects.pluginSay("example")] },
    // Its own inbox only: enough for requests, and it cannot read anyone else's replies.
    subscribe: { allow: [`${inboxPrefix(name)}.>`] },
  },
  expiresInSeconds: 60, // a kill switch that needs no revocation
});
const bus = await EventBus.connect({ servers: NATS_URL, name, creds: user.creds });

const refused = Promise.withResolvers<void>();
bus.onStatus((event) => {
  if (event.type === "permission-violation") {
    console.log(`refused: ${event.operation} to ${event.subject}`);
    refused.resolve();
  }
});

const source = { platform: "example", channel: "lobby" };
bus.publish(subjects.pluginSay("example"), { source, text: "allowed" });
bus.publish(subjects.platformAction("example", "chat"), { channel: "lobby", text: "not allowed" });
await refused.promise;
console.log(`still ${bus.status}`);
await bus.close();
