/**
 * `deno task cluster` (issue 13 point 2): three nats-servers from nats-cluster.conf, routed,
 * JetStream on, TLS for clients, operator mode with the full resolver, monitoring per node;
 * Ctrl-C stops all three. Run on free ports in a temp home, as the script's flags allow.
 */
import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import {
  ensureCoreStreams,
  EventBus,
  mintUser,
  SERVICE_STATE_STREAM,
  streamAdminRole,
  STREAMS,
} from "@quicksilver/core";
import { loadOrCreateAuthority } from "@quicksilver/core";
import { freePort, REPO_ROOT, waitFor } from "@quicksilver/testbed";

const ports = () => [freePort(), freePort(), freePort()];

Deno.test("deno task cluster runs three TLS nodes with JetStream, and Ctrl-C stops them all", async () => {
  const home = await Deno.makeTempDir({ prefix: "quicksilver-cluster-" });
  const [client, monitor, route] = [ports(), ports(), ports()];
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      `${REPO_ROOT}/scripts/cluster.ts`,
      "--home",
      home,
      "--client-ports",
      client.join(","),
      "--monitor-ports",
      monitor.join(","),
      "--route-ports",
      route.join(","),
    ], // deno-fmt-ignore
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const reading = (async () => {
    for await (const s of child.stderr.pipeThrough(new TextDecoderStream())) stderr += s;
  })();
  try {
    await waitFor(() => stderr.includes("NATS cluster is running"), {
      timeoutMs: 60_000,
      what: "the cluster to start",
    }).catch((error) => {
      throw new Error(`${(error as Error).message}\n${stderr}`);
    });
    const pids = /pids (\d+), (\d+), (\d+)/.exec(stderr)!.slice(1).map(Number);
    for (const port of monitor) {
      const health = await fetch(`http://127.0.0.1:${port}/healthz?js-enabled-only=true`);
      assert.equal(health.status, 200, await health.text());
      const varz = await (await fetch(`http://127.0.0.1:${port}/varz`)).json();
      assert.equal(varz.cluster.name, "rosey");
      assert.equal(varz.tls_required, true, "clients must use TLS");
    }
    // A user of the installation's authority, over TLS to the second node, creates a stream
    // replicated on all three nodes.
    const authority = await loadOrCreateAuthority(`${home}/.rosey`);
    const admin = streamAdminRole();
    const user = await mintUser(authority, {
      name: admin.name,
      permissions: { publish: { allow: [">"] }, subscribe: { allow: [">"] } },
    });
    const bus = await EventBus.connect({
      servers: `tls://127.0.0.1:${client[1]}`,
      name: admin.name,
      creds: user.creds,
      tls: { ca: `${home}/.rosey/cluster/tls/ca.pem` },
      connectTimeoutMs: 15_000,
    });
    try {
      // JetStream answers once the three nodes elected a meta leader, shortly after healthz.
      const jsm = await jetstreamManager(bus.connection, { timeout: 20_000 });
      const info = await jsm.streams.add({
        name: "R3CHECK",
        subjects: ["r3check.>"],
        num_replicas: 3,
      });
      assert.equal(info.config.num_replicas, 3);
      await waitFor(async () => {
        const state = await jsm.streams.info("R3CHECK");
        return (state.cluster?.replicas?.length ?? 0) === 2 && state.cluster?.leader;
      }, { timeoutMs: 15_000, what: "a leader and two replicas" });
      // The core streams and the services' state bucket keep a copy on every node.
      await ensureCoreStreams(bus);
      for (const stream of [STREAMS.events, SERVICE_STATE_STREAM]) {
        assert.equal((await jsm.streams.info(stream)).config.num_replicas, 3, stream);
      }
    } finally {
      await bus.close();
    }
    // Without TLS the node refuses.
    await assert.rejects(
      EventBus.connect({
        servers: `127.0.0.1:${client[0]}`,
        name: "plain",
        creds: user.creds,
        waitOnFirstConnect: false,
      }),
    );
    child.kill("SIGINT");
    assert.equal((await child.status).code, 0);
    for (const pid of pids) {
      await waitFor(() => !alive(pid), { timeoutMs: 15_000, what: `node pid ${pid} to exit` });
    }
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // stopped
    }
    await child.status;
    await reading;
    await Deno.remove(home, { recursive: true }).catch(() => undefined);
  }
});

function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}
