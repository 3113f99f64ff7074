/**
 * Channel statistics (joins, leaves, session time, chat lines, peaks, top chatters) from a
 * durable JetStream consumer, answered over request/reply: see {@linkcode StatsService}.
 *
 * @example
 * ```ts ignore
 * const bus = await EventBus.connect({ servers, name: statsRole().name, creds });
 * const stats = await StatsService.start(bus, { dir: ".rosey/stats" });
 * ```
 * @module
 */
export * from "./stats_service.ts";
export * from "./stats_state.ts";
export * from "./errors.ts";
export * from "./role.ts";
export * from "./component.ts";
