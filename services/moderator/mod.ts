/**
 * The moderator PM shell (Rosey's `common/shell.py`): moderators PM the bot `help`, `users`,
 * `add <url>`, `kick <user>`… and get answers by PM. See {@linkcode ModeratorService}.
 *
 * @example
 * ```ts ignore
 * const bus = await EventBus.connect({ servers, name: moderatorRole().name, creds });
 * const shell = await ModeratorService.start(bus, { logger });
 * // ...
 * await shell.close();
 * ```
 * @module
 */
export * from "./moderator_service.ts";
export * from "./media_link.ts";
export * from "./format.ts";
export * from "./errors.ts";
export { HELP_TEXT } from "./help.ts";
export * from "./role.ts";
export * from "./component.ts";
