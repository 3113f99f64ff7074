/**
 * The HTTP API as an operator's script meets it: nothing without a login or a token, scopes
 * enforced, CSRF refused, Rosey's routes present, and `say` delivering a line to the (fake)
 * CyTube channel exactly once, also when the connector comes up only after the line was queued.
 */
import assert from "node:assert/strict";
import { createLogger } from "@quicksilver/core";
import { waitFor, within } from "@quicksilver/testing";
import { BOT, OPERATOR, WebEnv } from "./_env.ts";

/** Every route of the API, with a method (the OpenAPI document must list the same). */
const ROUTES: [string, string][] = [
  ["GET", "/api/session"],
  ["GET", "/api/openapi.json"],
  ["GET", "/api/stats"],
  ["GET", "/api/history/24"],
  ["GET", "/api/user/alice"],
  ["GET", "/api/current"],
  ["POST", "/api/say"],
  ["GET", "/api/outbound/recent"],
  ["GET", "/api/tokens"],
  ["POST", "/api/tokens"],
  ["DELETE", "/api/tokens/abc"],
  ["GET", "/api/status"],
  ["GET", "/api/violations"],
  ["GET", "/api/channels"],
  ["GET", "/api/channel/cytube/x"],
  ["GET", "/api/plugins/dice"],
  ["POST", "/api/plugins/dice/stop"],
  ["GET", "/api/events"],
  ["GET", "/api/no-such-route"],
];

async function call(
  env: WebEnv,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${env.web.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

Deno.test("every /api route answers 401 without a session or token; /healthz answers 200", async () => {
  await using env = await WebEnv.start({ connector: false });
  const health = await fetch(`${env.web.url}/healthz`);
  assert.equal(health.status, 200);
  await health.body?.cancel();
  for (const [method, path] of ROUTES) {
    for (const headers of [{}, { authorization: "Bearer qst_000000000000_" + "x".repeat(43) }]) {
      const { status, body } = await call(
        env,
        method,
        path,
        headers,
        method === "GET" ? undefined : {},
      );
      assert.equal(status, 401, `${method} ${path} with ${JSON.stringify(headers)}`);
      assert.equal((body.error as { code: string }).code, "unauthorized");
    }
  }
  // A page without a session goes to the login page.
  const page = await fetch(`${env.web.url}/`, { redirect: "manual" });
  assert.equal(page.status, 303);
  assert.equal(page.headers.get("location"), "/login");
  await page.body?.cancel();
});

Deno.test("the OpenAPI document lists every Rosey route and the plugin control", async () => {
  await using env = await WebEnv.start({ connector: false });
  const token = await env.token("read");
  const { status, body } = await call(env, "GET", "/api/openapi.json", {
    authorization: `Bearer ${token}`,
  });
  assert.equal(status, 200);
  const paths = Object.keys(body.paths as object);
  for (
    const route of [
      "/api/stats",
      "/api/history/{hours}",
      "/api/user/{name}",
      "/api/current",
      "/api/say",
      "/api/tokens",
      "/api/tokens/{id}",
      "/api/outbound/recent",
      "/api/plugins/{name}/{op}",
    ]
  ) assert.ok(paths.includes(route), route);
});

Deno.test("a read token reads but cannot say (403) and nothing reaches the channel", async () => {
  await using env = await WebEnv.start();
  const token = await env.token("read");
  const auth = { authorization: `Bearer ${token}` };
  const stats = await call(env, "GET", "/api/stats", auth);
  assert.equal(stats.status, 200, JSON.stringify(stats.body));
  const current = await call(env, "GET", "/api/current", auth);
  assert.equal(current.status, 200, JSON.stringify(current.body));
  const said = await call(env, "POST", "/api/say", auth, { text: "read tokens cannot say" });
  assert.equal(said.status, 403);
  assert.match((said.body.error as { message: string }).message, /"say" scope/);
  const tokens = await call(env, "GET", "/api/tokens", auth);
  assert.equal(tokens.status, 403);
  const recent = await call(env, "GET", "/api/outbound/recent", auth);
  assert.deepEqual(recent.body.items, []);
  assert.ok(!env.fake.accepted("chat", BOT.name).includes("read tokens cannot say"));
});

Deno.test("a state change with the session cookie but without the right CSRF token is refused", async () => {
  await using env = await WebEnv.start({ connector: false });
  const { cookie, csrf } = await env.login();
  for (const headers of [{ cookie }, { cookie, "x-csrf-token": "not-the-token" }]) {
    const made = await call(env, "POST", "/api/tokens", headers, { name: "x", scope: "admin" });
    assert.equal(made.status, 403, JSON.stringify(headers));
    assert.equal((made.body.error as { code: string }).code, "csrf");
  }
  const listed = await call(env, "GET", "/api/tokens", { cookie });
  assert.deepEqual(listed.body.tokens, [], "no token was made");
  const made = await call(env, "POST", "/api/tokens", { cookie, "x-csrf-token": csrf }, {
    name: "x",
    scope: "read",
  });
  assert.equal(made.status, 201);
});

Deno.test("a say line is delivered to the CyTube channel exactly once", async () => {
  await using env = await WebEnv.start();
  const token = await env.token("say");
  const text = `hello from the API ${crypto.randomUUID().slice(0, 8)}`;
  const said = await call(env, "POST", "/api/say", { authorization: `Bearer ${token}` }, { text });
  assert.equal(said.status, 202, JSON.stringify(said.body));
  await env.fake.waitFor(
    () => env.fake.accepted("chat", BOT.name).includes(text),
    10_000,
    "the line in the channel",
  );
  const recent = await waitFor(async () => {
    const { body } = await call(env, "GET", "/api/outbound/recent", {
      authorization: `Bearer ${token}`,
    });
    const items = body.items as { text: string; state: string }[];
    return items.find((i) => i.text === text && i.state === "sent");
  }, { what: "the line recorded as sent" });
  assert.equal(recent.state, "sent");
  assert.equal(env.fake.accepted("chat", BOT.name).filter((l) => l === text).length, 1);
});

Deno.test("a say line queued while the connector is down is retried and delivered once it is up", async () => {
  await using env = await WebEnv.start({ connector: false });
  const token = await env.token("say");
  const auth = { authorization: `Bearer ${token}` };
  const text = `queued while down ${crypto.randomUUID().slice(0, 8)}`;
  assert.equal((await call(env, "POST", "/api/say", auth, { text })).status, 202);
  await waitFor(async () => {
    const { body } = await call(env, "GET", "/api/outbound/recent", auth);
    const item = (body.items as { text: string; attempts: number; state: string }[])[0];
    return item && item.attempts >= 1 && item.state === "queued" ? item : undefined;
  }, { what: "a first attempt that found no connector and stays queued" });
  await env.startConnector();
  await env.fake.waitFor(
    () => env.fake.accepted("chat", BOT.name).includes(text),
    15_000,
    "the line in the channel after the connector came up",
  );
  assert.equal(env.fake.accepted("chat", BOT.name).filter((l) => l === text).length, 1);
});

Deno.test("a revoked token is refused at once", async () => {
  await using env = await WebEnv.start({ connector: false });
  const { cookie, csrf } = await env.login();
  const made = await call(env, "POST", "/api/tokens", { cookie, "x-csrf-token": csrf }, {
    name: "script",
    scope: "read",
  });
  const token = made.body.token as string;
  const id = (made.body.info as { id: string }).id;
  assert.equal(
    (await call(env, "GET", "/api/status", { authorization: `Bearer ${token}` })).status,
    200,
  );
  const listed = await call(env, "GET", "/api/tokens", { cookie });
  assert.ok(
    !JSON.stringify(listed.body).includes(token.split("_")[2]!),
    "the secret is never listed",
  );
  const revoked = await call(env, "DELETE", `/api/tokens/${id}`, { cookie, "x-csrf-token": csrf });
  assert.equal(revoked.status, 200);
  assert.equal(
    (await call(env, "GET", "/api/status", { authorization: `Bearer ${token}` })).status,
    401,
  );
  const stored = await Deno.readTextFile(`${env.dir}/web/tokens.json`);
  assert.ok(!stored.includes(token.split("_")[2]!), "tokens.json holds no secret");
});

Deno.test("logins are refused with 429 after too many failures, even with the right password", async () => {
  await using env = await WebEnv.start({ connector: false, webConfig: { loginAttempts: 3 } });
  for (let i = 0; i < 3; i++) {
    const { status } = await call(env, "POST", "/login", {}, { ...OPERATOR, password: "wrong" });
    assert.equal(status, 401);
  }
  const response = await fetch(`${env.web.url}/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(OPERATOR),
  });
  assert.equal(response.status, 429);
  assert.ok(Number(response.headers.get("retry-after")) > 0);
  await response.body?.cancel();
});

Deno.test("a login form posted from another site is refused (JSON only)", async () => {
  await using env = await WebEnv.start({ connector: false });
  const response = await fetch(`${env.web.url}/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(OPERATOR),
  });
  assert.equal(response.status, 400);
  assert.equal(response.headers.get("set-cookie"), null);
  await response.body?.cancel();
});

Deno.test("bound beyond loopback without TLS, the service warns once and names web.tls", async () => {
  const lines: string[] = [];
  const logger = createLogger({ level: "warn", format: "json", sink: (line) => lines.push(line) });
  await using env = await WebEnv.start({
    connector: false,
    webConfig: { listen: "0.0.0.0:0" },
    web: { logger },
  });
  const warnings = lines.map((l) => JSON.parse(l)).filter((l) => l.level === "warn");
  assert.equal(warnings.length, 1, lines.join("\n"));
  assert.match(warnings[0].msg, /0\.0\.0\.0:0 without TLS.*web\.tls/);
  const health = await fetch(`${env.web.url}/healthz`);
  assert.equal(health.status, 200);
  await health.body?.cancel();
});

Deno.test("stopping the service ends open event streams (a dashboard left open does not hold it)", async () => {
  const env = await WebEnv.start({ connector: false });
  try {
    const { cookie } = await env.login();
    const response = await fetch(`${env.web.url}/api/events`, { headers: { cookie } });
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const first = await reader.read();
    assert.match(first.value ?? "", /^event: status\n/);
    await within(env.web.close(), 3000, "the web service to stop with a stream open");
    let ended = false;
    while (!ended) ended = (await reader.read()).done;
  } finally {
    await env.close();
  }
});

Deno.test("with web.tls the dashboard speaks HTTPS and its session cookie is Secure and __Host-", async () => {
  const dir = await Deno.makeTempDir({ prefix: "quicksilver-web-tls-" });
  try {
    const made = await new Deno.Command("openssl", {
      args: [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        // An end-entity certificate: rustls refuses a CA one as the server's own.
        "-addext",
        "basicConstraints=critical,CA:FALSE",
        "-keyout",
        `${dir}/key.pem`,
        "-out",
        `${dir}/cert.pem`,
      ],
      stdout: "null",
      stderr: "null",
    }).output();
    assert.ok(made.success, "openssl made a certificate");
    await using env = await WebEnv.start({
      connector: false,
      webConfig: { tls: { cert: `${dir}/cert.pem`, key: `${dir}/key.pem` } },
    });
    assert.match(env.web.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    using client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(`${dir}/cert.pem`)] });
    const response = await fetch(`${env.web.url}/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(OPERATOR),
      client,
    });
    assert.equal(response.status, 200);
    const cookie = response.headers.get("set-cookie") ?? "";
    assert.match(cookie, /^__Host-qs_session=/);
    assert.match(cookie, /; Secure/i);
    assert.match(cookie, /; HttpOnly/i);
    assert.match(cookie, /; SameSite=Strict/i);
    await response.body?.cancel();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the channel a connector joins is learnt from the bus and remembered across restarts", async () => {
  await using env = await WebEnv.start({ connector: false, web: { channels: [] } });
  const token = await env.token("read");
  const auth = { authorization: `Bearer ${token}` };
  assert.deepEqual((await call(env, "GET", "/api/channels", auth)).body.channels, []);
  await env.startConnector();
  const expected = [{ platform: "cytube", channel: env.fake.channel }];
  await waitFor(async () => {
    const { body } = await call(env, "GET", "/api/channels", auth);
    return JSON.stringify(body.channels) === JSON.stringify(expected);
  }, { what: "the joined channel listed" });
  const current = await call(env, "GET", "/api/current", auth);
  assert.equal(current.status, 200, "the learnt channel is the default");
  await env.web.close();
  await env.startWeb({ web: { channels: [] } });
  const again = await call(env, "GET", "/api/channels", {
    authorization: `Bearer ${await env.token("read")}`,
  });
  assert.deepEqual(again.body.channels, expected);
});
