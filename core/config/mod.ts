/**
 * Configuration: one `rosey.yaml`, validated with zod, secrets from `${ENV}`, embedded defaults
 * when there is no file. See {@linkcode loadConfig}.
 */
export * from "./load_config.ts";
export * from "./config_schema.ts";
export * from "./env_substitution.ts";
export * from "./errors.ts";
