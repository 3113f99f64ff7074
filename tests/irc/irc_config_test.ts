/**
 * `connectors.irc` in rosey.yaml: the interface outside checks use (`networks: [{name, host,
 * port, tls, nick, channels, sasl?}]`), and errors that name the file, the key and the fix.
 */
import assert from "node:assert/strict";
import { CONFIG_FILE_NAME, ConfigError } from "@quicksilver/core";
import { parseConfig } from "../../app/mod.ts";

const FILE = { file: CONFIG_FILE_NAME, baseDir: "/srv/rosey", env: () => undefined };

function errorOf(text: string): string {
  try {
    parseConfig(text, FILE);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    return error.message;
  }
  assert.fail("expected the config to be refused");
}

Deno.test("connectors.irc.networks takes name, host, port, tls, nick, channels and sasl", () => {
  const config = parseConfig(
    [
      "connectors:",
      "  irc:",
      "    networks:",
      "      - name: local",
      "        host: 127.0.0.1",
      "        port: 6667",
      "        tls: false",
      "        nick: rosey",
      '        channels: ["#rosey", "#dev"]',
      "        sasl: { user: rosey, password: hunter2 }",
      "",
    ].join("\n"),
    FILE,
  );
  const [network] = config.connectors.irc.networks;
  assert.equal(config.connectors.irc.enabled, true);
  assert.deepEqual(
    { ...network, tlsVerify: undefined },
    {
      name: "local",
      profile: "irc",
      host: "127.0.0.1",
      port: 6667,
      tls: false,
      tlsVerify: undefined,
      nick: "rosey",
      channels: ["#rosey", "#dev"],
      sasl: { user: "rosey", password: "hunter2" },
    },
  );
  assert.deepEqual(parseConfig("", FILE).connectors.irc.networks, []);
});

Deno.test("a bad IRC network names the key and the fix", () => {
  const net = (lines: string[]) =>
    errorOf(
      ["connectors:", "  irc:", "    networks:", ...lines.map((l) => `      ${l}`), ""].join("\n"),
    );
  assert.match(
    net(["- name: local", "  host: 127.0.0.1", "  nick: rosey", "  channels: [rosey]"]),
    /connectors\.irc\.networks\[0\]\.channels\[0\].*"rosey" is not an IRC channel; write it with its #/,
  );
  assert.match(
    net(["- name: local", "  nick: rosey", '  channels: ["#rosey"]']),
    /connectors\.irc\.networks\[0\]\.host.*missing; name the IRC server/,
  );
  assert.match(
    net(["- name: my net", "  host: h", "  nick: rosey", '  channels: ["#r"]']),
    /networks\[0\]\.name.*not a network name/,
  );
  assert.match(
    net(["- name: a", "  host: h", "  nick: 9lives", '  channels: ["#r"]']),
    /networks\[0\]\.nick.*not an IRC nick/,
  );
  assert.match(
    net(["- name: tw", "  profile: twitch", "  nick: bot", '  channels: ["#r"]']),
    /networks\[0\]\.password.*oauth:/,
  );
  assert.match(
    net([
      "- { name: a, host: h, nick: r, channels: ['#r'] }",
      "- { name: A, host: h2, nick: r, channels: ['#r'] }",
    ]),
    /networks\[1\]\.name.*used twice/,
  );
  assert.match(
    errorOf(
      "connectors:\n  irc:\n    networks:\n      - { name: a, host: h, nick: r, channels: ['#r'], chanels: [] }\n",
    ),
    /chanels/,
  );
});
