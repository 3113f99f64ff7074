/**
 * The say outbox never sends a line twice: only an answer that proves the line went nowhere
 * (`not_connected`, nobody listening) is retried; an unknown fate is reported, not repeated.
 * The connector is stood in for by a responder on the real bus, answering as the CyTube
 * connector does (`ActionResultSchema`).
 */
import assert from "node:assert/strict";
import { subjects } from "@quicksilver/core";
import { TestNats, waitFor } from "@quicksilver/testing";
import { SayOutbox, webRole } from "../../services/web/mod.ts";

async function withOutbox(
  answers: unknown[],
  fn: (outbox: SayOutbox, requests: unknown[]) => Promise<void>,
): Promise<void> {
  await using nats = await TestNats.start();
  const dir = await Deno.makeTempDir({ prefix: "quicksilver-outbox-" });
  const connector = await nats.connect("test-connector");
  const requests: unknown[] = [];
  connector.serve(subjects.platformAction("cytube", "chat"), (request) => {
    requests.push(request);
    return answers[Math.min(requests.length - 1, answers.length - 1)];
  });
  await connector.flush();
  const role = webRole();
  const outbox = await SayOutbox.open(await nats.connect(role.name, role.permissions), dir, {
    retryDelayMs: 50,
  });
  try {
    await fn(outbox, requests);
  } finally {
    await outbox.close();
    await connector.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const line = { platform: "cytube", channel: "lobby", text: "hello" };

Deno.test("a line the connector could not confirm is marked unconfirmed and never sent again", async () => {
  await withOutbox(
    [{ ok: false, error: { code: "timeout", message: "no echo" } }],
    async (outbox, requests) => {
      const item = await outbox.enqueue(line, "test");
      const done = await waitFor(
        () =>
          outbox.recent().find((i) =>
            i.id === item.id && i.state !== "queued" && i.state !== "sending"
          ),
        { what: "the line settled" },
      );
      assert.equal(done.state, "unconfirmed");
      assert.equal(requests.length, 1);
    },
  );
});

Deno.test("a line refused as not_connected is retried and sent once the channel is back", async () => {
  const notConnected = { ok: false, error: { code: "not_connected", message: "rejoining" } };
  await withOutbox([notConnected, notConnected, { ok: true }], async (outbox, requests) => {
    const item = await outbox.enqueue(line, "test");
    const done = await waitFor(
      () => outbox.recent().find((i) => i.id === item.id && i.state === "sent"),
      { what: "the line sent" },
    );
    assert.equal(done.attempts, 3);
    assert.equal(requests.length, 3);
  });
});

Deno.test("a line refused for good is failed after one try; the queue goes on", async () => {
  await withOutbox(
    [{ ok: false, error: { code: "not_permitted", message: "muted" } }, { ok: true }],
    async (outbox, requests) => {
      const first = await outbox.enqueue(line, "test");
      const second = await outbox.enqueue({ ...line, text: "second" }, "test");
      await waitFor(() => outbox.recent().find((i) => i.id === second.id && i.state === "sent"), {
        what: "the second line sent",
      });
      assert.equal(outbox.recent().find((i) => i.id === first.id)?.state, "failed");
      assert.equal(requests.length, 2);
    },
  );
});
