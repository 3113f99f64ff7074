/**
 * The monitor service: every component's health and metrics from the bus, `deno task status`
 * answers and the Prometheus endpoint. See {@linkcode MonitorService}.
 */
export * from "./monitor_service.ts";
export * from "./prometheus.ts";
export * from "./role.ts";
export * from "./config_schema.ts";
export * from "./component.ts";
