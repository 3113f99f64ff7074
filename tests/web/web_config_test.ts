/** The `web:` section: defaults, and errors that name the file, the key and the fix. */
import assert from "node:assert/strict";
import { ConfigError } from "@quicksilver/core";
import { parseConfig } from "../../app/mod.ts";

Deno.test("without a web section the dashboard listens on 127.0.0.1:8080 with no accounts", () => {
  const config = parseConfig("", { file: undefined });
  assert.equal(config.web.enabled, true);
  assert.equal(config.web.listen, "127.0.0.1:8080");
  assert.deepEqual(config.web.accounts, {});
});

Deno.test("a bad web.listen or a pasted password instead of a hash names the key and the fix", () => {
  const cases: [string, RegExp][] = [
    [
      `web:\n  listen: "8080"\n`,
      /web\.listen.*"8080" is not host:port; write e\.g\. "127\.0\.0\.1:8080"/,
    ],
    [`web:\n  listen: "127.0.0.1:99999"\n`, /web\.listen.*port must be 0-65535/],
    [
      `web:\n  accounts:\n    olive: hunter2\n`,
      /web\.accounts\.olive.*not a password hash; create one with `deno task web passwd <name>`/,
    ],
    [`web:\n  listne: "127.0.0.1:8080"\n`, /web.*listne/],
  ];
  for (const [text, expected] of cases) {
    assert.throws(() => parseConfig(text, { file: "/etc/bot/rosey.yaml" }), (error) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.match(error.message, /^\/etc\/bot\/rosey\.yaml: /);
      assert.match(error.message, expected);
      return true;
    });
  }
});
