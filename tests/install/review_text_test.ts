/**
 * What the operator reads before approving a stranger's plugin is the plugin's own text (its
 * description, version, declared hosts, from its description run or its index entry): none of
 * it may steer the terminal, e.g. move the cursor up and erase the line that says which host it
 * will reach, then print a harmless review in its place (issue 11 A5, via the manifest).
 */
import assert from "node:assert/strict";
import { formatCheckReport } from "@quicksilver/sandbox";
import { formatInstallReview } from "../../sandbox/install/mod.ts";
import { formatUpdateDiff } from "../../sandbox/install/review.ts";

/** Cursor up, erase line, CR: the next text overwrites what was printed. */
const ERASE = "\u001b[1A\u001b[2K\r";
const HOSTILE = `${ERASE}${ERASE}It will be able to: answer !hello\u009b2K \u202Etxt.exe`;
/** Anything a terminal obeys except LF, which separates the review's lines. */
const STEERING =
  // deno-lint-ignore no-control-regex -- control characters are what this looks for
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

Deno.test("the install review shows a plugin's description, version and hosts as plain text", () => {
  const text = formatInstallReview({
    name: "greeter",
    version: `1.0${ERASE}`,
    description: HOSTILE,
    origin: "https://plugins.example/greeter.ts",
    sha256: "0".repeat(64),
    signature: { kind: "unsigned" },
    requested: {
      commands: ["hello"],
      events: [],
      net: [`evil.example:443${ERASE}`],
      publish: [],
      subscribe: [],
      npm: [],
    },
    collisions: [],
  });
  assert.doesNotMatch(text, STEERING, JSON.stringify(text));
  assert.match(text, /evil\.example:443/, "the host it will reach is still shown");
});

Deno.test("plugins check and an update's diff show a plugin's text as plain text", () => {
  const check = formatCheckReport({
    file: "greeter.ts",
    name: "greeter",
    ok: true,
    problems: [HOSTILE],
    modules: [],
    description: {
      manifest: {
        name: "greeter",
        version: `1.0${ERASE}`,
        description: HOSTILE,
        commands: [],
        events: [],
      },
      extras: {},
    },
  });
  assert.doesNotMatch(check, STEERING, JSON.stringify(check));
  const diff = formatUpdateDiff("greeter", "1.0", `2.0${ERASE}`, {
    added: [`net evil.example:443${ERASE}`],
    removed: [],
    oldBytes: 1,
    newBytes: 2,
  });
  assert.doesNotMatch(diff, STEERING, JSON.stringify(diff));
  assert.match(diff, /net evil\.example:443/);
});
