/**
 * The command router: normalized messages in, `CommandExecute` requests to plugins, results
 * back to the platform and channel they came from. See {@linkcode CommandRouter}.
 */
export * from "./command_router.ts";
export * from "./command_policy.ts";
export * from "./rate_limiter.ts";
export * from "./help.ts";
export * from "./plugin_table.ts";
export * from "./command_owners.ts";
export * from "./reply_limits.ts";
export * from "./router_metrics.ts";
export * from "./errors.ts";
export * from "./role.ts";
export * from "./config_schema.ts";
export * from "./component.ts";
