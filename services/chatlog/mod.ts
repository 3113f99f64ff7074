/**
 * Chat and media logs in Rosey's formats, fed by a durable JetStream consumer: see
 * {@linkcode ChatLogService}.
 *
 * @example
 * ```ts ignore
 * const bus = await EventBus.connect({ servers, name: chatlogRole().name, creds });
 * const logs = await ChatLogService.start(bus, { dir: ".rosey/logs" });
 * ```
 * @module
 */
export * from "./chatlog_service.ts";
export * from "./log_format.ts";
export * from "./errors.ts";
export * from "./role.ts";
export * from "./component.ts";
