import assert from "node:assert/strict";
import { connectorRole, subjects } from "@quicksilver/core";
import { routerRole } from "../../services/router/mod.ts";
import { TestNats, waitFor } from "@quicksilver/testing";

Deno.test("each service identity may only do its own job on the bus", async () => {
  await using nats = await TestNats.start();
  const r = routerRole();
  const c = connectorRole("shell");
  const router = await nats.connect(r.name, r.permissions);
  const shell = await nats.connect(c.name, c.permissions);
  const refused: string[] = [];
  for (const bus of [router, shell]) {
    bus.onStatus((event) => {
      if (event.type === "permission-violation") refused.push(`${bus.name} ${event.subject}`);
    });
  }
  // Allowed: the connector publishes events; the router sends chat to any platform.
  shell.publish(subjects.event("message"), {});
  router.publish(subjects.platformAction("cytube", "chat"), {});
  // Refused: a connector cannot run commands or speak for another platform; the router cannot
  // forge chat events or the plugin table.
  shell.publish(subjects.commandExecute("dice"), {});
  shell.subscribe(subjects.allPlatformActions("cytube"), () => {});
  router.publish(subjects.event("message"), {});
  router.publish(subjects.pluginManifests(), {});
  await waitFor(() => refused.length === 4, { what: "four refusals" });
  assert.deepEqual(
    refused.sort(),
    [
      `${c.name} ${subjects.allPlatformActions("cytube")}`,
      `${c.name} ${subjects.commandExecute("dice")}`,
      `${r.name} ${subjects.event("message")}`,
      `${r.name} ${subjects.pluginManifests()}`,
    ].sort(),
  );
});

Deno.test("only the router's user may publish a plugin's command request", async () => {
  // The plugin host trusts a request's rank and cooldown because of this: no other identity
  // (service, connector, manager, plugin, whatever its grants) can reach a command subject.
  const { COMPONENTS } = await import("../../app/mod.ts");
  const { shellConnectorRole } = await import("../../connectors/shell/mod.ts");
  const { pluginHostRole, pluginManagerSystemRole, pluginNatsRights } = await import(
    "@quicksilver/sandbox"
  );
  const { anySubjectMatches, streamAdminRole } = await import("@quicksilver/core");
  const plugin = pluginNatsRights({ name: "trivia", events: ["user.join"] }, {
    publish: [subjects.plugin("trivia", "scores")],
  });
  const identities = [
    ...COMPONENTS.map((component) => component.role()),
    shellConnectorRole(),
    streamAdminRole(),
    pluginHostRole(),
    pluginManagerSystemRole(),
    { name: plugin.identity, permissions: plugin.permissions },
  ];
  const target = subjects.commandExecute("dice");
  const publishers = identities.filter(({ permissions }) =>
    anySubjectMatches(permissions.publish?.allow ?? [], target) &&
    !anySubjectMatches(permissions.publish?.deny ?? [], target)
  ).map((role) => role.name);
  assert.deepEqual(publishers, [routerRole().name]);
});

Deno.test("a plugin's user cannot send another plugin a command request with a forged rank", async () => {
  const { pluginNatsRights } = await import("@quicksilver/sandbox");
  await using nats = await TestNats.start();
  const rights = pluginNatsRights({ name: "trivia", events: [] });
  const trivia = await nats.connect(rights.identity, rights.permissions);
  const dice = await nats.connect("plugin-dice", {
    publish: { allow: [">"] },
    subscribe: { allow: [subjects.pluginCommands("dice"), "_INBOX.>"] },
  });
  const reached: unknown[] = [];
  dice.subscribe(subjects.commandExecute("dice"), (request) => void reached.push(request));
  await dice.flush();
  const refused: string[] = [];
  trivia.onStatus((event) => {
    if (event.type === "permission-violation") refused.push(event.subject ?? "");
  });
  trivia.publish(subjects.commandExecute("dice"), { user: { name: "mallory", rank: 5 } });
  await waitFor(() => refused.length === 1, { what: "the refusal" });
  await trivia.flush();
  await dice.flush();
  assert.deepEqual(refused, [subjects.commandExecute("dice")]);
  assert.deepEqual(reached, []);
});
