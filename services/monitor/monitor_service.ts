/**
 * The monitor service: collects every component's health and metrics from the bus, keeps the
 * latest plugin table, answers `rosey.admin.status` (what `deno task status` prints) and serves
 * Prometheus text on a loopback HTTP port (`/metrics`; `/status` as JSON).
 */
import type { BusSubscription, EventBus } from "@quicksilver/core";
import {
  PluginHostTables,
  PluginStatusSchema,
  type PluginTable,
  PluginTableSchema,
} from "@quicksilver/core";
import { type Logger, silentLogger } from "@quicksilver/core";
import { subjects } from "@quicksilver/core";
import type { MetricSnapshot } from "@quicksilver/core";
import { renderPrometheus } from "./prometheus.ts";
import {
  componentLine,
  type HealthReport,
  HealthReportSchema,
  type MetricsReport,
  MetricsReportSchema,
} from "@quicksilver/core";
import { z } from "zod";

export const ComponentStatusSchema = z.object({
  component: z.string(),
  /** `ok`, `degraded`, `stopping`, or `missing` when its reports stopped. */
  state: z.string(),
  pid: z.number().optional(),
  uptimeMs: z.number().optional(),
  rssBytes: z.number().optional(),
  lastSeenMs: z.number(),
  stats: z.record(z.string(), z.number()),
  detail: z.string().optional(),
});
export type ComponentStatus = z.infer<typeof ComponentStatusSchema>;

export const StatusTableSchema = z.object({
  time: z.number(),
  components: z.array(ComponentStatusSchema),
  plugins: z.array(PluginStatusSchema),
});
export type StatusTable = z.infer<typeof StatusTableSchema>;

export interface MonitorServiceOptions {
  /** Loopback port for `/metrics`; 0 picks a free one; `null` disables HTTP. Default 9464. */
  httpPort?: number | null;
  logger?: Logger;
}

export class MonitorService {
  readonly #bus: EventBus;
  readonly #log: Logger;
  readonly #health = new Map<string, HealthReport>();
  readonly #metrics = new Map<string, MetricSnapshot[]>();
  /** Every plugin host's latest table (several hosts may run replicas of one plugin). */
  readonly #plugins = new PluginHostTables();
  readonly #subscriptions: BusSubscription[] = [];
  #http: Deno.HttpServer | undefined;
  readonly #httpPort: number | null;

  constructor(bus: EventBus, options: MonitorServiceOptions = {}) {
    this.#bus = bus;
    this.#log = (options.logger ?? silentLogger).child({ component: "monitor" });
    this.#httpPort = options.httpPort === undefined ? 9464 : options.httpPort;
  }

  /** The bound HTTP address, once started (`http://127.0.0.1:<port>`). */
  get httpUrl(): string | undefined {
    const addr = this.#http?.addr;
    return addr && "port" in addr ? `http://127.0.0.1:${addr.port}` : undefined;
  }

  async start(): Promise<void> {
    this.#subscriptions.push(
      this.#bus.subscribe<HealthReport>(subjects.monitoringHealth(), (report) => {
        this.#health.set(report.component, report);
      }, { schema: HealthReportSchema }),
      this.#bus.subscribe<MetricsReport>(subjects.monitoringMetrics(), (report) => {
        this.#metrics.set(report.component, report.metrics);
      }, { schema: MetricsReportSchema }),
      this.#bus.subscribe<PluginTable>(subjects.pluginManifests(), (table) => {
        this.#plugins.apply(table);
      }, { schema: PluginTableSchema }),
      this.#bus.serve(subjects.adminStatus(), () => this.statusTable()),
    );
    await this.#bus.flush();
    if (this.#httpPort !== null) {
      this.#http = Deno.serve({
        hostname: "127.0.0.1",
        port: this.#httpPort,
        onListen: () => {},
      }, (request) => this.#handle(request));
      this.#log.info("metrics endpoint ready", { url: `${this.httpUrl}/metrics` });
    }
  }

  /** Components (health) and plugins (manager's table) as `deno task status` shows them. */
  statusTable(): StatusTable {
    const now = Date.now();
    const components = [...this.#health.values()]
      .map((report): ComponentStatus => componentLine(report, now))
      .sort((a, b) => a.component.localeCompare(b.component));
    this.#plugins.expire(now);
    return { time: now, components, plugins: this.#plugins.statuses() };
  }

  /** Prometheus text of every component's latest metrics plus health-derived gauges. */
  prometheusText(): string {
    const snapshots = new Map(this.#metrics);
    const table = this.statusTable();
    const up: MetricSnapshot = {
      name: "component_up",
      help: "1 while the component reports health, 0 once it has gone silent",
      type: "gauge",
      samples: table.components.map((c) => ({
        labels: { name: c.component },
        value: c.state === "missing" ? 0 : 1,
      })),
    };
    const rss: MetricSnapshot = {
      name: "component_rss_bytes",
      help: "resident memory of each core component",
      type: "gauge",
      samples: table.components.map((c) => ({
        labels: { name: c.component },
        value: c.rssBytes ?? 0,
      })),
    };
    const plugins: MetricSnapshot = {
      name: "plugin_state",
      help: "1 for the state each plugin is in",
      type: "gauge",
      samples: table.plugins.map((p) => ({ labels: { plugin: p.name, state: p.state }, value: 1 })),
    };
    const restarts: MetricSnapshot = {
      name: "plugin_restarts",
      help: "restarts of each plugin since the manager started",
      type: "gauge",
      samples: table.plugins.map((p) => ({ labels: { plugin: p.name }, value: p.restarts })),
    };
    const violations: MetricSnapshot = {
      name: "plugin_violations",
      help: "security violations reported for each plugin",
      type: "gauge",
      samples: table.plugins.map((p) => ({ labels: { plugin: p.name }, value: p.violations })),
    };
    snapshots.set("monitor", [up, rss, plugins, restarts, violations]);
    return renderPrometheus(snapshots);
  }

  #handle(request: Request): Response {
    const path = new URL(request.url).pathname;
    if (path === "/metrics") {
      return new Response(this.prometheusText(), {
        headers: { "content-type": "text/plain; version=0.0.4" },
      });
    }
    if (path === "/status") return Response.json(this.statusTable());
    return new Response("quicksilver monitor: /metrics, /status\n", { status: 404 });
  }

  async stop(): Promise<void> {
    for (const sub of this.#subscriptions.splice(0)) sub.unsubscribe();
    await this.#http?.shutdown();
    this.#http = undefined;
  }
}
