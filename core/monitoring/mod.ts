export * from "./metrics_registry.ts";
export * from "./prometheus.ts";
export * from "./reports.ts";
export * from "./health_reporter.ts";
export * from "./monitor_service.ts";
