import assert from "node:assert/strict";
import { formatStatusTable } from "../../scripts/_status_table.ts";

Deno.test("deno task status shows why a component is degraded, not just that it is", () => {
  const detail = 'kicked from CyTube channel "lobby": spamming; a moderator kicked the bot; ' +
    "the bot stays out of the channel until it is restarted";
  const text = formatStatusTable({
    time: 10_000,
    components: [
      { component: "router", state: "ok", lastSeenMs: 100, stats: {} },
      { component: "connector-cytube", state: "degraded", lastSeenMs: 100, stats: {}, detail },
    ],
    plugins: [],
  });
  assert.match(text, /connector-cytube\s+core\s+degraded/);
  assert.ok(text.includes(`connector-cytube degraded: ${detail}`), text);
  assert.ok(!text.includes("router ok:"), "a healthy component gets no reason line");
});
