/**
 * `svc-web` holds only what the dashboard and the API need: the server refuses it everything a
 * compromised web service could use to impersonate another component.
 */
import { createEnvelope, subjects } from "@quicksilver/core";
import { TestNats, waitFor } from "@quicksilver/testing";
import { webRole } from "../../services/web/mod.ts";

Deno.test("the web service cannot publish events, execute commands, act beyond chat or read PMs", async () => {
  await using nats = await TestNats.start();
  const role = webRole();
  const bus = await nats.connect(role.name, role.permissions);
  try {
    const violations: string[] = [];
    bus.onStatus((event) => {
      if (event.type === "permission-violation") violations.push(event.subject);
    });
    const refused = [
      subjects.event("message"),
      subjects.commandExecute("dice"),
      subjects.platformAction("cytube", "kick"),
      subjects.platformAction("cytube", "clearPlaylist"),
      subjects.adminPlugins("reload"),
      subjects.pluginManifests(),
      subjects.securityViolation(),
      "$JS.API.STREAM.DELETE.ROSEY_EVENTS",
    ];
    for (const subject of refused) {
      bus.publish(subject, createEnvelope("message", { platform: "cytube", channel: "x" }, {}));
      await waitFor(() => violations.includes(subject), { what: `svc-web refused ${subject}` });
    }
    bus.subscribe(subjects.event("pm"), () => {});
    await waitFor(() => violations.includes(subjects.event("pm")), {
      what: "svc-web refused reading PMs",
    });
  } finally {
    await bus.close();
  }
});
