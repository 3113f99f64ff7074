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

/**
 * What a plugin can put into a log line (its output line, the message of the error its setup
 * threw, a JSON line it printed) and a terminal or bidi renderer would obey: C0 and C1 controls,
 * bidi controls, line separators, interlinear annotations, tag characters, lone surrogates.
 */
const STEERING = [
  "\u001b[2J\u001b]0;pwned\u0007",
  "\u009b2J\u009d0;pwned\u009c",
  "x\r[you] !inspect plugins\nfake 00:00:00.000 info  [router] line",
  "file\u202Etxt.exe \u2067iso\u2069 \u200Em\u061C",
  "one\u2028two\u2029three",
  "a\uFFF9b\uFFFAc\uFFFB",
  "hi\u{E0069}\u{E0067}\u{E006E}",
  "lone\uD800surrogate",
];
/** Anything a screen obeys, once the logger's own colour codes are taken out. */
const UNSAFE_SHOWN =
  // deno-lint-ignore no-control-regex -- control characters are what this matches
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufff9-\ufffb\u{e0000}-\u{e007f}]|\p{Surrogate}/u;

Deno.test("no log line lets a value steer the terminal it is shown on, pretty or JSON", () => {
  for (const format of ["pretty", "json"] as const) {
    const { lines, sink } = capture();
    const log = createLogger({ format, level: "debug", sink });
    for (const text of STEERING) {
      log.child({ component: text, plugin: text }).warn(text, {
        line: { msg: text, [text]: [text] },
        reason: text,
      });
    }
    assert.equal(lines.length, STEERING.length);
    for (const [i, line] of lines.entries()) {
      // deno-lint-ignore no-control-regex -- colour codes are part of the pretty format
      const shown = format === "pretty" ? line.replace(/\x1b\[[0-9;]*m/g, "") : line;
      assert.doesNotMatch(shown, UNSAFE_SHOWN, `${format}: ${JSON.stringify(line)}`);
      if (format === "json") {
        // Escaped, not lost: the JSON still reads back as what was logged.
        const entry = JSON.parse(line);
        assert.equal(entry.reason, STEERING[i]);
        assert.equal(entry.msg, STEERING[i]);
      } else if (i < 2) {
        // Shown as visible escapes, so the operator still sees what the plugin tried.
        assert.match(shown, /\\u00(1b|9b)\[?2J.*pwned/, shown);
      }
    }
  }
});
