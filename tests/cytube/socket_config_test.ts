import assert from "node:assert/strict";
import {
  discoverSocketServer,
  InvalidChannelNameError,
  pickSocketServer,
  SocketConfigError,
  socketConfigUrl,
  validateChannelName,
} from "../../connectors/cytube/mod.ts";
import { startFakeCytube } from "../fake_cytube/mod.ts";

Deno.test("channel names follow CyTube's /^[\\w-]{1,30}$/", () => {
  assert.equal(validateChannelName("my_chan-1"), "my_chan-1");
  for (const bad of ["", "has space", "x".repeat(31), "a/b", "é"]) {
    assert.throws(() => validateChannelName(bad), (error: unknown) => {
      assert.ok(error instanceof InvalidChannelNameError);
      assert.equal(error.name, "InvalidChannelNameError");
      assert.match(error.message, /1-30 characters/);
      return true;
    });
  }
});

Deno.test("the discovery URL tolerates a trailing slash on the base", () => {
  assert.equal(socketConfigUrl("https://cytu.be/", "abc"), "https://cytu.be/socketconfig/abc.json");
});

Deno.test("server choice prefers secure, then not IPv6-only, else the listed order", () => {
  const v6 = { url: "v6", secure: false, ipv6Only: true };
  const plain = { url: "plain", secure: false };
  const tls = { url: "tls", secure: true };
  assert.equal(pickSocketServer([v6, plain, tls])?.url, "tls");
  assert.equal(pickSocketServer([v6, plain])?.url, "plain");
  assert.equal(pickSocketServer([v6])?.url, "v6");
  assert.equal(pickSocketServer([plain, { url: "plain2", secure: false }])?.url, "plain");
  assert.equal(pickSocketServer([]), undefined);
});

Deno.test("discovery returns the fake server's own socket.io URL", async () => {
  await using fake = await startFakeCytube();
  const server = await discoverSocketServer(fake.url, fake.channel);
  assert.equal(server.url, fake.url);
  assert.equal(fake.discoveryRequests, 1);
});

Deno.test("discovery picks the secure server from a multi-server reply", async () => {
  await using fake = await startFakeCytube({
    socketConfig: () => ({
      servers: [
        { url: "http://v6.example", secure: false, ipv6: true },
        { url: "https://tls.example", secure: true },
      ],
    }),
  });
  assert.equal((await discoverSocketServer(fake.url, "abc")).url, "https://tls.example");
});

Deno.test("an error reply is a SocketConfigError naming the URL", async () => {
  await using fake = await startFakeCytube({ socketConfig: () => ({ error: "nope" }) });
  await assert.rejects(discoverSocketServer(fake.url, "abc"), (error: unknown) => {
    assert.ok(error instanceof SocketConfigError);
    assert.equal(error.url, `${fake.url}/socketconfig/abc.json`);
    assert.match(error.message, /nope/);
    assert.match(error.message, /check the CyTube base URL/);
    return true;
  });
});

Deno.test("a reply without servers, or a 404, is a SocketConfigError", async () => {
  await using fake = await startFakeCytube({ socketConfig: () => ({ servers: [] }) });
  await assert.rejects(discoverSocketServer(fake.url, "abc"), SocketConfigError);
  await assert.rejects(discoverSocketServer(`${fake.url}/nothing-here`, "abc"), SocketConfigError);
});

Deno.test("an unreachable site is a SocketConfigError with the cause", async () => {
  const fake = await startFakeCytube();
  const url = fake.url;
  await fake.close();
  await assert.rejects(discoverSocketServer(url, "abc", { timeoutMs: 2000 }), (error: unknown) => {
    assert.ok(error instanceof SocketConfigError);
    assert.ok(error.cause !== undefined);
    return true;
  });
});

Deno.test("an invalid channel name fails before any request", async () => {
  await assert.rejects(
    discoverSocketServer("http://127.0.0.1:1", "bad name"),
    InvalidChannelNameError,
  );
});
