/**
 * Issue 14 point 1's acceptance with real processes: two `deno task start router` processes in
 * `nats.delivery: durable`; one is SIGKILLed while it holds unacked commands, and every command
 * is answered exactly once (the other router answers what the dead one left unacked; the
 * actions stream drops the copy of anything both answered).
 */
import assert from "node:assert/strict";
import { STREAMS } from "@quicksilver/core";
import { deferred, waitFor } from "@quicksilver/testing";
import { routerRole } from "../../services/router/mod.ts";
import { StartProcess, withHome } from "../cluster/_processes.ts";
import { DurableEnv } from "./_durable_env.ts";

Deno.test("a router killed while holding commands leaves them to the other: each answered once", async () => {
  await withHome(async (home) => {
    await using env = await DurableEnv.start();
    const role = routerRole();
    await Deno.writeTextFile(
      `${home}/router.creds`,
      (await env.nats.mint(role.name, role.permissions)).creds,
    );
    await Deno.writeTextFile(
      `${home}/rosey.yaml`,
      `nats:\n  delivery: durable\n  credentials: { router: router.creds }\n` +
        // 20 s: the first attempt at a plugin has 10 s, more than this test holds one.
        `router:\n  timeoutMs: 20000\n` +
        `  rateLimits:\n    perUser: { burst: 1000, perSecond: 1000 }\n` +
        `    perPlugin: { burst: 1000, perSecond: 1000 }\n`,
    );
    const n = 40;
    const release = deferred<void>();
    const echo = await env.plugin("echo", async (request) => {
      // The first half is answered at once; the second half is held until the router that
      // asked is dead, so that it dies holding them unacked.
      if (Number(request.rawArgs) >= n / 2) await release.promise;
      return { ok: true, reply: [`echo ${request.rawArgs}`] };
    });
    const on = { ROSEY_NATS_SERVERS: env.nats.url };
    await using doomed = new StartProcess(home, ["router"], on);
    await doomed.started();
    for (let i = 0; i < n; i++) await env.say(`!echo ${i}`, `user${i % 10}`);
    await waitFor(() => echo.received.length >= n && env.actions.length >= n / 2, {
      timeoutMs: 30_000,
      what: "the first router to ask for every command and answer half",
    }).catch((error) => {
      throw new Error(`${(error as Error).message}\n${doomed.stderr}`);
    });
    await using survivor = new StartProcess(home, ["router"], on);
    await survivor.started();
    const jsm = await import("@nats-io/jetstream").then((js) =>
      js.jetstreamManager(env.world.connection)
    );
    const held = (await jsm.consumers.info(STREAMS.events, "router")).num_ack_pending;
    assert.ok(held >= n / 2, `the first router holds the held commands unacked (${held})`);

    doomed.child.kill("SIGKILL");
    await doomed.child.status;
    release.resolve();

    await waitFor(() => new Set(env.actions.items.map((a) => a.text)).size >= n, {
      timeoutMs: 30_000,
      what: "every command answered",
    }).catch((error) => {
      throw new Error(`${(error as Error).message}\n${survivor.stderr}`);
    });
    await env.commandsSettled();
    await env.actionsSettled();
    const texts = env.actions.items.map((a) => a.text).sort();
    const expected = Array.from({ length: n }, (_, i) => `echo ${i}`).sort();
    assert.deepEqual(texts, expected, "each command answered exactly once");
  });
});
