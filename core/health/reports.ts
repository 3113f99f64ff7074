/** What components publish on `rosey.monitoring.health` and `rosey.monitoring.metrics`. */
import { z } from "zod";
import { MetricSnapshotSchema } from "./metrics_registry.ts";

export const HEALTH_STATES = { ok: "ok", degraded: "degraded", stopping: "stopping" } as const;
export type HealthState = typeof HEALTH_STATES[keyof typeof HEALTH_STATES];

export const HealthReportSchema = z.object({
  /** the component's name: `manager`, `connector-<platform>`, a service's name */
  component: z.string().max(64),
  status: z.enum(["ok", "degraded", "stopping"]),
  pid: z.number().int(),
  startedAt: z.number(),
  time: z.number(),
  rssBytes: z.number().nonnegative(),
  /** Whether this component's own NATS connection is up (a report arriving says it is now). */
  detail: z.string().max(500).optional(),
  /** A few headline numbers for `deno task status`. */
  stats: z.record(z.string(), z.number()).default({}),
  /** How often to expect a report; a component silent for 3 intervals is shown as missing. */
  intervalMs: z.number().int().positive(),
});
export type HealthReport = z.infer<typeof HealthReportSchema>;

export const MetricsReportSchema = z.object({
  component: z.string().max(64),
  time: z.number(),
  metrics: z.array(MetricSnapshotSchema),
});
export type MetricsReport = z.infer<typeof MetricsReportSchema>;

/** One component's line of a status table (`deno task status`, the dashboard). */
export interface ComponentLine {
  component: string;
  /** `ok`, `degraded`, `stopping`, or `missing` when its reports stopped. */
  state: string;
  pid: number;
  /** ms since the component started. */
  uptimeMs: number;
  rssBytes: number;
  /** ms since its last report. */
  lastSeenMs: number;
  stats: Record<string, number>;
  detail?: string;
}

/**
 * A component's status line at `now` (epoch ms) from its last health report: `missing` once it
 * has been silent for three of its reporting intervals.
 */
export function componentLine(report: HealthReport, now: number): ComponentLine {
  const silentFor = now - report.time;
  return {
    component: report.component,
    state: silentFor > 3 * report.intervalMs ? "missing" : report.status,
    pid: report.pid,
    uptimeMs: now - report.startedAt,
    rssBytes: report.rssBytes,
    lastSeenMs: silentFor,
    stats: report.stats,
    ...(report.detail ? { detail: report.detail } : {}),
  };
}
