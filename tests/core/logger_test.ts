import assert from "node:assert/strict";
import { createLogger, LOG_LEVELS, silentLogger } from "@quicksilver/core";

function capture() {
  const lines: string[] = [];
  return { lines, sink: (line: string) => void lines.push(line) };
}

Deno.test("JSON lines carry time, level, message and every field, child fields included", () => {
  const { lines, sink } = capture();
  const log = createLogger({
    format: "json",
    level: "debug",
    sink,
    fields: { component: "router" },
  });
  log.child({ plugin: "dice" }).info("command handled", { ms: 3 });
  log.debug("d");
  const first = JSON.parse(lines[0]!);
  assert.equal(first.level, "info");
  assert.equal(first.msg, "command handled");
  assert.equal(first.component, "router");
  assert.equal(first.plugin, "dice");
  assert.equal(first.ms, 3);
  assert.ok(!Number.isNaN(Date.parse(first.time)));
  assert.equal(JSON.parse(lines[1]!).level, "debug");
});

Deno.test("lines below the level are dropped; silent drops everything", () => {
  const { lines, sink } = capture();
  const log = createLogger({ format: "json", level: "warn", sink });
  log.debug("no");
  log.info("no");
  log.warn("yes");
  log.error("yes");
  assert.deepEqual(lines.map((l) => JSON.parse(l).level), ["warn", "error"]);
  const quiet = createLogger({ format: "json", level: "silent", sink });
  quiet.error("no");
  quiet.child({ a: 1 }).error("no");
  assert.equal(lines.length, 2);
  silentLogger.error("dropped");
  assert.ok(LOG_LEVELS.debug < LOG_LEVELS.info && LOG_LEVELS.error < LOG_LEVELS.silent);
});

Deno.test("errors, bigints and unserialisable values never break a log line", () => {
  const { lines, sink } = capture();
  const log = createLogger({ format: "json", level: "info", sink });
  log.error("failed", { error: new TypeError("bad thing"), n: 10n });
  const line = JSON.parse(lines[0]!);
  assert.deepEqual(line.error, { name: "TypeError", message: "bad thing" });
  assert.equal(line.n, "10");
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  log.info("loop", { circular });
  assert.equal(lines[1], '"[unserialisable]"');
});

Deno.test("pretty lines name the component and plugin and show the other fields", () => {
  const { lines, sink } = capture();
  const log = createLogger({ format: "pretty", level: "debug", sink });
  log.child({ component: "sandbox", plugin: "dice" }).warn("restarting", { attempt: 2 });
  log.info("plain");
  // deno-lint-ignore no-control-regex -- colour codes are part of the pretty format
  const plain = lines.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ""));
  assert.match(
    plain[0]!,
    /^\d\d:\d\d:\d\d\.\d{3} warn {2}\[sandbox\/dice\] restarting {"attempt":2}$/,
  );
  assert.match(plain[1]!, /^\d\d:\d\d:\d\d\.\d{3} info {2}plain$/);
});

Deno.test("the level comes from ROSEY_LOG_LEVEL when not given", () => {
  const previous = Deno.env.get("ROSEY_LOG_LEVEL");
  try {
    const { lines, sink } = capture();
    Deno.env.set("ROSEY_LOG_LEVEL", "error");
    createLogger({ format: "json", sink }).warn("dropped");
    Deno.env.set("ROSEY_LOG_LEVEL", "nonsense");
    createLogger({ format: "json", sink }).info("kept at the default level");
    createLogger({ format: "json", sink }).debug("dropped at the default level");
    assert.deepEqual(lines.map((l) => JSON.parse(l).msg), ["kept at the default level"]);
    // Not a terminal under `deno test`: JSON by default.
    const defaults = capture();
    createLogger({ sink: defaults.sink }).info("x");
    assert.equal(JSON.parse(defaults.lines[0]!).msg, "x");
  } finally {
    if (previous === undefined) Deno.env.delete("ROSEY_LOG_LEVEL");
    else Deno.env.set("ROSEY_LOG_LEVEL", previous);
  }
});
