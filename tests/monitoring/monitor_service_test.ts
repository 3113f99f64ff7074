import assert from "node:assert/strict";
import { MetricsRegistry, startHealthReporter, subjects } from "@quicksilver/core";
import { MonitorService, StatusTableSchema } from "../../services/monitor/mod.ts";
import { TestNats, waitFor } from "@quicksilver/testing";

Deno.test("components' health and metrics appear in the status table and on /metrics", async () => {
  await using nats = await TestNats.start();
  const monitorBus = await nats.connect("svc-monitor");
  const monitor = new MonitorService(monitorBus, { httpPort: 0 });
  await monitor.start();
  try {
    const routerBus = await nats.connect("svc-router");
    const metrics = new MetricsRegistry();
    metrics.counter("commands_total", "commands routed").inc({ plugin: "dice" }, 3);
    metrics.histogram("command_latency_ms", "round trip").observe(1.5, { plugin: "dice" });
    const stop = startHealthReporter(routerBus, {
      component: "router",
      intervalMs: 200,
      metrics,
      stats: () => ({ messages: 7 }),
    });
    try {
      const cli = await nats.connect("cli-status");
      const table = await waitFor(async () => {
        const t = StatusTableSchema.parse(await cli.request(subjects.adminStatus(), {}));
        return t.components.find((c) => c.component === "router") ? t : undefined;
      }, { what: "router in the status table" });
      const router = table.components.find((c) => c.component === "router")!;
      assert.equal(router.state, "ok");
      assert.equal(router.stats.messages, 7);
      assert.ok((router.rssBytes ?? 0) > 0);

      const text = await waitFor(async () => {
        const body = await (await fetch(`${monitor.httpUrl}/metrics`)).text();
        return body.includes("quicksilver_commands_total") ? body : undefined;
      }, { what: "router metrics on /metrics" });
      assert.match(text, /quicksilver_commands_total\{component="router",plugin="dice"\} 3/);
      assert.match(
        text,
        /quicksilver_command_latency_ms_bucket\{component="router",plugin="dice",le="2"\} 1/,
      );
      assert.match(text, /quicksilver_component_up\{component="monitor",name="router"\} 1/);
    } finally {
      stop();
    }
  } finally {
    await monitor.stop();
  }
});
