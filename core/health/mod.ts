export * from "./metrics_registry.ts";
export * from "./reports.ts";
export * from "./health_reporter.ts";
