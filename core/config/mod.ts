/**
 * Configuration machinery: a YAML file validated with zod, secrets from `${ENV}`, embedded
 * defaults when there is no file ({@linkcode loadConfigFile}); the base sections; and the
 * {@linkcode Component} shape each service and connector declares its own section with.
 */
export * from "./load_config.ts";
export * from "./config_schema.ts";
export * from "./env_substitution.ts";
export * from "./errors.ts";
export * from "./component.ts";
