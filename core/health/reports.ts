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
