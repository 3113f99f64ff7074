/**
 * Every core component runs one of these: a health report on `rosey.monitoring.health` and its
 * metrics snapshot on `rosey.monitoring.metrics`, every `intervalMs`.
 */
import type { EventBus } from "../bus/mod.ts";
import { subjects } from "../subjects/mod.ts";
import type { MetricsRegistry } from "./metrics_registry.ts";
import type { HealthReport, HealthState, MetricsReport } from "./reports.ts";

export interface HealthReporterOptions {
  component: string;
  intervalMs?: number;
  metrics?: MetricsRegistry;
  /** Headline numbers and state, computed at each report. */
  stats?: () => Record<string, number>;
  status?: () => { status: HealthState; detail?: string };
}

/** Starts reporting at once and then every interval; returns a function that stops it. */
export function startHealthReporter(bus: EventBus, options: HealthReporterOptions): () => void {
  const intervalMs = options.intervalMs ?? 5000;
  const startedAt = Date.now();
  const report = () => {
    if (bus.status === "closed") return;
    const state = options.status?.() ?? { status: "ok" as const };
    const health: HealthReport = {
      component: options.component,
      status: state.status,
      pid: Deno.pid,
      startedAt,
      time: Date.now(),
      rssBytes: Deno.memoryUsage().rss,
      stats: options.stats?.() ?? {},
      intervalMs,
      ...(state.detail ? { detail: state.detail } : {}),
    };
    try {
      bus.publish(subjects.monitoringHealth(), health);
      if (options.metrics) {
        const metrics: MetricsReport = {
          component: options.component,
          time: Date.now(),
          metrics: options.metrics.snapshot(),
        };
        bus.publish(subjects.monitoringMetrics(), metrics);
      }
    } catch {
      // the bus closed between the check and the publish: nothing to report to
    }
  };
  report();
  const timer = setInterval(report, intervalMs);
  return () => clearInterval(timer);
}
