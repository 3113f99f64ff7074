/**
 * NATS refusing things, as the bus reports them: denied publishes and subscriptions (the
 * connection lives on), denied requests, clients without credentials, expired and revoked
 * users. NOTES-SANDBOX §3-4 measured these; the tests pin what the bus makes of them.
 */
import assert from "node:assert/strict";
import {
  accountJwtRevoking,
  BusConnectError,
  BusRequestError,
  type BusStatusEvent,
  EventBus,
} from "@quicksilver/core";
import { deferred, freePort, Inbox, TestNats, waitFor, within } from "@quicksilver/testing";

const FIXTURE = new URL("./fixtures/connect_once.ts", import.meta.url).pathname;

/** Runs the connect_once fixture; resolves with its JSON line, or fails if it does not exit. */
async function connectOnceProcess(
  server: string,
  timeout: string,
  credsFile?: string,
): Promise<{ code: number; result: Record<string, unknown>; stderr: string }> {
  const host = server.split(":")[0]!;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--allow-net=${server},${host}`,
      ...(credsFile ? [`--allow-read=${credsFile}`] : []),
      FIXTURE,
      server,
      timeout,
      ...(credsFile ? [credsFile] : []),
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  try {
    const out = await child.output();
    const stdout = new TextDecoder().decode(out.stdout).trim();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.notEqual(out.signal, "SIGKILL", `the client process did not exit by itself\n${stderr}`);
    return { code: out.code, result: stdout ? JSON.parse(stdout.split("\n").at(-1)!) : {}, stderr };
  } finally {
    clearTimeout(killer);
  }
}

Deno.test("event bus: what the server refuses, and how the bus reports it", async (t) => {
  await using nats = await TestNats.start();
  const connect = nats.connect.bind(nats);
  const observer = await nats.connect("svc-observer");

  await t.step(
    "a denied publish is a permission-violation event; the connection lives on",
    async () => {
      const narrow = await connect("narrow-pub", {
        publish: { allow: ["perm.ok", "perm.ok.>"], deny: ["perm.ok.denied"] },
        subscribe: { allow: ["_INBOX.narrow-pub.>"] },
      });
      const events = new Inbox<BusStatusEvent>();
      narrow.onStatus(events.push);
      const delivered = new Inbox<string>();
      observer.subscribe("perm.>", (_v, context) => delivered.push(context.subject));
      await observer.flush();

      narrow.publish("perm.secret", 1);
      narrow.publish("perm.ok.denied", 1);
      const violations = await waitFor(
        () => {
          const found = events.items.filter((e) => e.type === "permission-violation");
          return found.length === 2 ? found : undefined;
        },
        { what: "two permission-violation events" },
      );
      assert.deepEqual(violations, [
        { type: "permission-violation", operation: "publish", subject: "perm.secret" },
        { type: "permission-violation", operation: "publish", subject: "perm.ok.denied" },
      ]);
      assert.equal(narrow.counters.permissionViolations, 2);
      assert.equal(narrow.status, "connected");
      narrow.publish("perm.ok", 2);
      await delivered.next((subject) => subject === "perm.ok");
      assert.deepEqual(delivered.items, ["perm.ok"], "nothing denied got through");
    },
  );

  await t.step("a denied subscribe is a violation that ends only that subscription", async () => {
    const narrow = await connect("narrow-sub", {
      publish: { allow: [] },
      subscribe: { allow: ["perm.visible", "_INBOX.narrow-sub.>"] },
    });
    const violation = deferred<BusStatusEvent>();
    narrow.onStatus((e) => e.type === "permission-violation" && violation.resolve(e));
    const denied = narrow.subscribe("perm.hidden", () => assert.fail("must not receive"));
    const visible = new Inbox<number>();
    narrow.subscribe("perm.visible", (n: number) => visible.push(n));
    assert.deepEqual(await within(violation.promise, 5000, "violation"), {
      type: "permission-violation",
      operation: "subscription",
      subject: "perm.hidden",
    });
    await within(denied.closed, 5000, "the denied subscription ends");
    observer.publish("perm.hidden", 1);
    observer.publish("perm.visible", 2);
    await visible.next();
    assert.deepEqual(visible.items, [2]);
    assert.equal(narrow.status, "connected");
  });

  await t.step(
    "a request to a subject the user may not publish fails with permission-denied",
    async () => {
      observer.serve("perm.service", () => "served");
      await observer.flush();
      const narrow = await connect("narrow-req", {
        publish: { allow: ["perm.allowed"] },
        subscribe: { allow: ["_INBOX.narrow-req.>"] },
      });
      const started = Date.now();
      await assert.rejects(
        () => narrow.request("perm.service", {}, { timeoutMs: 5000 }),
        (error: unknown) =>
          error instanceof BusRequestError && error.code === "permission-denied" &&
          error.message.includes('publish to "perm.service"'),
      );
      assert.ok(Date.now() - started < 2000, "reported at once, not as a timeout");
      assert.equal(narrow.counters.requestFailures, 1);
    },
  );

  await t.step(
    "a request whose reply inbox is not granted fails with permission-denied",
    async () => {
      // Granted another identity's inbox only: its replies could not come back.
      const narrow = await connect("narrow-inbox", {
        publish: { allow: ["perm.service"] },
        subscribe: { allow: ["_INBOX.someone-else.>"] },
      });
      await assert.rejects(
        () => narrow.request("perm.service", {}, { timeoutMs: 5000 }),
        (error: unknown) =>
          error instanceof BusRequestError && error.code === "permission-denied" &&
          error.message.includes('subscription to "_INBOX.narrow-inbox.'),
      );
      // With its own inbox granted, the same request works: the bus uses _INBOX.<name>.
      const own = await connect("narrow-own", {
        publish: { allow: ["perm.service"] },
        subscribe: { allow: ["_INBOX.narrow-own.>"] },
      });
      assert.equal(await own.request("perm.service", {}), "served");
    },
  );

  await t.step("a limit the server enforces arrives as an error status event", async () => {
    const user = await nats.mint("limited", undefined, { maxSubscriptions: 1 });
    const limited = await EventBus.connect({
      servers: nats.url,
      name: "limited",
      creds: user.creds,
    });
    try {
      const error = deferred<Error>();
      limited.onStatus((e) => e.type === "error" && error.resolve(e.error));
      limited.subscribe("perm.one", () => {});
      limited.subscribe("perm.two", () => {});
      assert.match((await within(error.promise, 5000, "error event")).message, /subscriptions/i);
      assert.equal(limited.status, "connected");
    } finally {
      await limited.close();
    }
  });

  await t.step("a client without credentials is refused at once, with a way out", async () => {
    for (const options of [{}, { connectTimeoutMs: 5000 }, { waitOnFirstConnect: false }]) {
      const started = Date.now();
      await assert.rejects(
        () => EventBus.connect({ servers: nats.url, name: "anonymous", ...options }),
        (error: unknown) =>
          error instanceof BusConnectError && error.reason === "refused" &&
          error.message.includes(`NATS at ${nats.url} as "anonymous" refused`) &&
          error.message.includes("Authorization Violation") &&
          error.message.includes("mint fresh ones"),
        JSON.stringify(options),
      );
      assert.ok(Date.now() - started < 3000, "refused, not retried until a timeout");
    }
  });

  await t.step("a user whose JWT expires is disconnected and closed", async () => {
    const user = await nats.mint("short-lived", undefined, { expiresInSeconds: 2 });
    const bus = await EventBus.connect({
      servers: nats.url,
      name: "short-lived",
      creds: user.creds,
      reconnectWaitMs: 100,
    });
    try {
      const events = new Inbox<BusStatusEvent>();
      bus.onStatus(events.push);
      assert.equal(bus.status, "connected");
      await events.next((e) => e.type === "closed", 8000);
      assert.equal(bus.status, "closed");
      // The server said why before it hung up; reconnects with the same JWT were refused.
      assert.ok(
        events.items.some((e) => e.type === "error" && /expired/i.test(e.error.message)),
        JSON.stringify(events.items),
      );
      assert.throws(() => bus.publish("perm.ok", 1));
    } finally {
      await bus.close();
    }
  });

  await t.step("revoking a user through the system account kicks it at once", async () => {
    const victimUser = await nats.mint("victim");
    const victim = await EventBus.connect({
      servers: nats.url,
      name: "victim",
      creds: victimUser.creds,
      reconnectWaitMs: 100,
    });
    const revokerUser = await nats.mint("sys-revoker", {
      publish: { allow: ["$SYS.REQ.ACCOUNT.*.CLAIMS.UPDATE"] },
      subscribe: { allow: ["_INBOX.sys-revoker.>"] },
    }, { systemAccount: true });
    const revoker = await EventBus.connect({
      servers: nats.url,
      name: "sys-revoker",
      creds: revokerUser.creds,
    });
    try {
      const gone = deferred<BusStatusEvent>();
      victim.onStatus((e) => (e.type === "closed" || e.type === "disconnected") && gone.resolve(e));
      const accountJwt = await accountJwtRevoking(nats.authority, {
        [victimUser.publicKey]: Math.floor(Date.now() / 1000),
      });
      const reply = await revoker.connection.request(
        `$SYS.REQ.ACCOUNT.${nats.authority.appAccount.publicKey}.CLAIMS.UPDATE`,
        new TextEncoder().encode(accountJwt),
        { timeout: 5000 },
      );
      assert.equal(reply.json<{ data: { code: number } }>().data.code, 200);
      await within(gone.promise, 5000, "the victim is disconnected");
      await waitFor(() => victim.status === "closed", { what: "reconnects refused, bus closed" });
      // Everyone else carries on.
      assert.equal(observer.status, "connected");
      await observer.flush();
    } finally {
      await victim.close();
      await revoker.close();
    }
  });

  await processSteps(t, nats);
});

/** The crash guard and the first-connect loop, seen from a process of their own. */
async function processSteps(t: Deno.TestContext, nats: TestNats) {
  await t.step("the bus's crash guard swallows stray connection resets and nothing else", () => {
    // Installed by the first EventBus.connect in a process (this file connected several).
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    const pipe = Object.assign(new Error("write EPIPE"), { code: "EPIPE" });
    const other = new TypeError("a real bug");
    const errorEvent = (error: unknown) =>
      new ErrorEvent("error", { error, message: String(error), cancelable: true });
    const rejection = (reason: unknown) =>
      new PromiseRejectionEvent("unhandledrejection", {
        promise: new Promise(() => {}),
        reason,
        cancelable: true,
      });
    const swallowed = (event: Event) => {
      // A listener of our own runs last and cancels, so the event never reaches the runtime.
      let prevented = false;
      // `EventListener` here, not `(e: Event) => void`: with the node types loaded, the two
      // `Event` declarations differ and the listener overloads do not match.
      const probe: EventListener = (e) => {
        prevented = e.defaultPrevented;
        e.preventDefault();
      };
      globalThis.addEventListener(event.type, probe);
      try {
        globalThis.dispatchEvent(event);
      } finally {
        globalThis.removeEventListener(event.type, probe);
      }
      return prevented;
    };
    assert.equal(swallowed(errorEvent(reset)), true);
    assert.equal(swallowed(errorEvent(pipe)), true);
    assert.equal(swallowed(errorEvent(new Error("read ECONNRESET"))), true, "by message");
    assert.equal(swallowed(errorEvent(other)), false);
    assert.equal(swallowed(errorEvent("read ECONNRESET")), false, "not an Error");
    assert.equal(swallowed(rejection(reset)), true);
    assert.equal(swallowed(rejection(other)), false);
  });

  await t.step(
    "a refused or unreachable client process ends cleanly, without a crash",
    async () => {
      // Under Deno, transport-node lets an ECONNRESET escape when auth is refused; the bus's
      // guard keeps it from killing the process (NOTES-SANDBOX §6).
      const refused = await connectOnceProcess(nats.url, "3000");
      assert.equal(refused.code, 0, refused.stderr);
      assert.equal(refused.result.connected, false);
      assert.equal(refused.result.reason, "refused");
      assert.doesNotMatch(refused.stderr, /ECONNRESET|Uncaught/);
      // A connect that gives up must not leave a dial loop keeping the process alive.
      const unreachable = await connectOnceProcess(`127.0.0.1:${freePort()}`, "300");
      assert.equal(unreachable.code, 0, unreachable.stderr);
      assert.equal(unreachable.result.reason, "unreachable");
      // And with valid credentials the same program connects.
      const user = await nats.mint("connect-once");
      const credsFile = await Deno.makeTempFile({ suffix: ".creds" });
      try {
        await Deno.writeTextFile(credsFile, user.creds);
        const ok = await connectOnceProcess(nats.url, "3000", credsFile);
        assert.deepEqual(ok.result, { connected: true }, ok.stderr);
      } finally {
        await Deno.remove(credsFile);
      }
    },
  );
}
