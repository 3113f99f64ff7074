/**
 * TLS against a real InspIRCd (m_ssl_gnutls), and SASL PLAIN. Neither InspIRCd (it hands SASL
 * to a services server) nor ngIRCd can check a SASL login on their own, so SASL is tested
 * against a scripted server that follows the IRCv3 SASL 3.1 exchange (ircv3.net/specs/
 * extensions/sasl-3.1: CAP LS, CAP REQ :sasl, AUTHENTICATE PLAIN, AUTHENTICATE +, the base64
 * `authzid\0authcid\0password`, 903 or 904).
 */
import assert from "node:assert/strict";
import { waitFor } from "@quicksilver/testing";
import { IrcConnector, type IrcNetworkConfig } from "../../connectors/irc/mod.ts";
import { IrcUser } from "./_irc_user.ts";
import { IrcEnv } from "./_env.ts";

Deno.test("the bot connects over TLS, and refuses a certificate it cannot verify unless told not to check", async () => {
  await using env = await IrcEnv.start("inspircd", {
    server: { tls: true },
    startConnector: false,
    plugins: [],
  });
  // Default tlsVerify: the self-signed certificate is refused, and health says why.
  env.network = { ...env.network, port: env.server.tlsPort, tls: true };
  const strict = await env.startConnector(false);
  await waitFor(() => /certificate/i.test(strict.health.detail ?? ""), {
    what: "health naming the certificate",
  });
  await assert.rejects(strict.ready(1500));
  await strict.close();
  env.connector = undefined;

  env.network = { ...env.network, tlsVerify: false };
  await env.startConnector();
  await using alice = await IrcUser.connect(env.server.port, "alice");
  await alice.join("#rosey");
  const tls = [...env.connector!.networks.values()][0]!;
  assert.equal(tls.tls, true);
  assert.deepEqual(env.connector!.health, { status: "ok" });
  assert.ok(alice.lines.some((l) => / 353 alice . #rosey :.*rosey\b/.test(l)), "the bot in NAMES");
});

/** A scripted IRC server that accepts one SASL PLAIN login and records it. */
function saslServer(accept: (user: string, password: string) => boolean) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const seen: string[] = [];
  const logins: string[] = [];
  const conns: Deno.Conn[] = [];
  const serving = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      (async () => {
        const write = (line: string) => conn.write(new TextEncoder().encode(`${line}\r\n`));
        let buffer = "";
        let nick = "*";
        for await (const chunk of conn.readable) {
          buffer += new TextDecoder().decode(chunk);
          let index;
          while ((index = buffer.indexOf("\r\n")) >= 0) {
            const line = buffer.slice(0, index);
            buffer = buffer.slice(index + 2);
            seen.push(line);
            const [command = "", ...rest] = line.split(" ");
            if (command === "CAP" && rest[0] === "LS") {
              await write(":srv CAP * LS :sasl server-time");
            } else if (command === "CAP" && rest[0] === "REQ") {
              await write(`:srv CAP * ACK :${rest.slice(1).join(" ").replace(/^:/, "")}`);
            } else if (command === "NICK") nick = rest[0] ?? nick;
            else if (command === "AUTHENTICATE" && rest[0] === "PLAIN") {
              await write("AUTHENTICATE +");
            } else if (command === "AUTHENTICATE") {
              const [, user = "", password = ""] = atob(rest[0] ?? "").split("\0");
              logins.push(`${user}:${password}`);
              await write(
                accept(user, password)
                  ? `:srv 903 ${nick} :SASL authentication successful`
                  : `:srv 904 ${nick} :SASL authentication failed`,
              );
            } else if (command === "CAP" && rest[0] === "END") {
              await write(`:srv 001 ${nick} :Welcome`);
            } else if (command === "JOIN") {
              await write(`:${nick}!${nick}@127.0.0.1 JOIN ${rest[0]}`);
              await write(`:srv 366 ${nick} ${rest[0]} :End of /NAMES list.`);
            } else if (command === "QUIT") {
              conn.close();
            }
          }
        }
      })().catch(() => {});
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    seen,
    logins,
    async close() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* closed */ }
      }
      await serving;
    },
  };
}

function network(port: number, password: string): IrcNetworkConfig {
  return {
    name: "sasl",
    profile: "irc",
    host: "127.0.0.1",
    port,
    tls: false,
    tlsVerify: true,
    nick: "rosey",
    channels: ["#rosey"],
    sasl: { user: "rosey", password },
    reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
  };
}

Deno.test("SASL PLAIN: the bot logs in with its account before registering", async () => {
  const server = await saslServer((user, password) => user === "rosey" && password === "s3cret");
  await using env = await IrcEnv.start("ngircd", { startConnector: false, plugins: [] });
  env.network = network(server.port, "s3cret");
  try {
    await env.startConnector();
    assert.deepEqual(server.logins, ["rosey:s3cret"]);
    const order = server.seen.map((l) => l.split(" ")[0]);
    assert.ok(
      order.indexOf("AUTHENTICATE") < order.lastIndexOf("CAP"),
      "AUTHENTICATE before CAP END",
    );
  } finally {
    await env.connector?.close();
    await server.close();
  }
});

Deno.test("SASL PLAIN refused: the bot does not register anonymously, and health says why", async () => {
  const server = await saslServer(() => false);
  await using env = await IrcEnv.start("ngircd", { startConnector: false, plugins: [] });
  env.network = network(server.port, "wrong");
  try {
    const connector: IrcConnector = await env.startConnector(false);
    await waitFor(() => server.logins.length === 1, { what: "the login attempt" });
    await waitFor(() => /not connected/.test(connector.health.detail ?? ""), {
      what: "degraded health",
    });
    assert.ok(!server.seen.some((l) => l.startsWith("JOIN")), server.seen.join("\n"));
  } finally {
    await env.connector?.close();
    await server.close();
  }
});
