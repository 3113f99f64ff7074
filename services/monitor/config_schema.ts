/** The monitor's section of `rosey.yaml` (`monitoring:`). */
import { z } from "zod";

export const MonitoringSectionSchema = z.strictObject({
  /** Loopback port of the Prometheus endpoint (`/metrics`, `/status`); 0 turns it off. */
  metricsPort: z.number().int().min(0).max(65535).default(9464),
  /**
   * How often each component reports health and metrics on the bus, ms. Read by the monitor
   * (a component is `missing` after a few intervals) and handed to every other component.
   */
  healthIntervalMs: z.number().int().min(250).max(300_000).default(5000),
}).prefault({});
export type MonitoringSection = z.infer<typeof MonitoringSectionSchema>;
