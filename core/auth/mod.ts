export * from "./authority.ts";
export * from "./user_credentials.ts";
export * from "./errors.ts";
export * from "./service_roles.ts";
export * from "./scoped_signing_key.ts";
