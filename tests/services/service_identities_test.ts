import { createEnvelope, subjects } from "@quicksilver/core";
import { chatlogRole } from "../../services/chatlog/mod.ts";
import { moderatorRole } from "../../services/moderator/mod.ts";
import { statsRole } from "../../services/stats/mod.ts";
import { TestNats, waitFor } from "@quicksilver/testing";

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
