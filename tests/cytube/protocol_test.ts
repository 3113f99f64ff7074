import assert from "node:assert/strict";
import { parseServerFrame } from "../../connectors/cytube/mod.ts";

Deno.test("extra fields the real server adds are kept", () => {
  const parsed = parseServerFrame("chatMsg", [
    {
      username: "a",
      msg: "hi",
      meta: { addClass: "shout", superadminflair: { icon: "x" } },
      time: 1,
      extra: 2,
    },
  ]);
  assert.equal(parsed.kind, "frame");
  if (parsed.kind === "frame" && parsed.frame.event === "chatMsg") {
    assert.equal((parsed.frame.data as Record<string, unknown>).extra, 2);
    assert.equal(parsed.frame.data.meta.addClass, "shout");
  }
});

Deno.test("wrong types are reported as malformed, never thrown", () => {
  const cases: [string, unknown[]][] = [
    ["chatMsg", [{ username: 5, msg: "x", time: 1 }]],
    ["chatMsg", []],
    ["userlist", ["nope"]],
    ["usercount", ["3"]],
    ["queue", [{ item: { uid: "1" }, after: 0 }]],
    ["login", [{ success: "yes" }]],
    ["setPermissions", [{ chat: "0" }]],
  ];
  for (const [event, args] of cases) {
    const parsed = parseServerFrame(event, args);
    assert.equal(parsed.kind, "malformed", `${event} ${JSON.stringify(args)}`);
    if (parsed.kind === "malformed") assert.ok(parsed.issues.length > 0);
  }
});

Deno.test("events the connector does not use are reported as unknown", () => {
  assert.deepEqual(parseServerFrame("emoteList", [[]]), { kind: "unknown", event: "emoteList" });
  assert.deepEqual(parseServerFrame("__proto__", [{}]), { kind: "unknown", event: "__proto__" });
});

Deno.test("login is a union on success; a kick without reason parses", () => {
  const ok = parseServerFrame("login", [{ success: true, name: "bot", guest: true }]);
  const bad = parseServerFrame("login", [{
    success: false,
    error: "That username is registered.",
  }]);
  const kick = parseServerFrame("kick", [{}]);
  assert.equal(ok.kind === "frame" && ok.frame.event === "login" && ok.frame.data.success, true);
  assert.ok(bad.kind === "frame" && bad.frame.event === "login" && !bad.frame.data.success);
  assert.ok(kick.kind === "frame" && kick.frame.event === "kick" && kick.frame.data.reason === "");
});

Deno.test("frames without payload parse", () => {
  assert.equal(parseServerFrame("cancelNeedPassword", []).kind, "frame");
  assert.equal(parseServerFrame("clearchat", []).kind, "frame");
  const needPassword = parseServerFrame("needPassword", [true]);
  assert.ok(needPassword.kind === "frame" && needPassword.frame.data === true);
});
