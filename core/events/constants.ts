/**
 * The event model's constants, in a module of their own (no schema library), so that anything can
 * use them (the schemas that use them live in payloads.ts, commands.ts and manifest.ts).
 *
 * @module
 */

/** Normalized ranks: every platform maps its own roles onto these. */
export const RANKS = {
  anonymous: -1,
  guest: 0,
  user: 1,
  leader: 1.5,
  moderator: 2,
  admin: 3,
  owner: 4,
  founder: 5,
  siteAdmin: 255,
} as const;

/** A plugin's name: also its file name, NATS identity and subject token. */
export const PLUGIN_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** A command word or alias, without the prefix: `roll`. */
export const COMMAND_WORD = /^[a-z0-9][a-z0-9_-]{0,31}$/;

export const COMMAND_ERROR_CODES = {
  invalidArgs: "invalid_args",
  notPermitted: "not_permitted",
  failed: "failed",
  unknownCommand: "unknown_command",
  rateLimited: "rate_limited",
  timeout: "timeout",
  unavailable: "unavailable",
} as const;
export type CommandErrorCode = typeof COMMAND_ERROR_CODES[keyof typeof COMMAND_ERROR_CODES];

/** The longest a command request may give a plugin (`CommandExecute.deadlineMs`), ms. */
export const MAX_COMMAND_DEADLINE_MS = 120_000;
