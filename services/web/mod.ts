/**
 * The web dashboard and HTTP API as a service on the bus: see {@linkcode WebService}.
 *
 * @example
 * ```ts ignore
 * const bus = await EventBus.connect({ servers, name: webRole().name, creds });
 * const web = await WebService.start(bus, { config: WebSectionSchema.parse({}), stateDir, channels });
 * console.log(web.url); // http://127.0.0.1:8080
 * ```
 * @module
 */
export * from "./web_service.ts";
export * from "./web_config.ts";
export * from "./web_role.ts";
export * from "./password.ts";
export * from "./api_tokens.ts";
export * from "./say_outbox.ts";
export * from "./errors.ts";
export * from "./component.ts";
