/**
 * The shell connector: a local console chat that behaves like a platform. See
 * {@linkcode ShellConnector}.
 */
export * from "./shell_connector.ts";
export * from "./role.ts";
export * from "./config_schema.ts";
