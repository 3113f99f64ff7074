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

Deno.test("deno task status prints a reason carrying control or bidi characters as one plain line", () => {
  // A kick reason is a moderator's text and a plugin's reason its own error text: data.
  const detail = "kicked: \u001b[2J\u001b]0;pwned\u0007\u009b31mred \u202Eexe.txt\r\nforged";
  const text = formatStatusTable({
    time: 10_000,
    components: [
      { component: "connector-cytube", state: "degraded", lastSeenMs: 100, stats: {}, detail },
    ],
    plugins: [],
  });
  // deno-lint-ignore no-control-regex -- control characters are what this looks for
  assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/u, text);
  assert.ok(text.includes("connector-cytube degraded: kicked: [2J]0;pwned31mred exe.txt forged"));
});

Deno.test("deno task status names each replica's plugin host when several hosts run plugins", () => {
  const replica = (host: string, state: "running" | "stopped") => ({
    name: "dice",
    state,
    restarts: 0,
    violations: 0,
    host,
  });
  const text = formatStatusTable({
    time: 10_000,
    components: [],
    plugins: [replica("host-a", "running"), replica("host-b", "stopped")],
  });
  assert.match(text, /dice@host-a\s+plugin\s+running/);
  assert.match(text, /dice@host-b\s+plugin\s+stopped/);
  const one = formatStatusTable({
    time: 10_000,
    components: [],
    plugins: [replica("a", "running")],
  });
  assert.match(one, /^dice\s+plugin\s+running/m, "one host: the plain name");
});
