/**
 * The plugin SDK: the only import a plugin file needs.
 *
 * ```ts
 * import { definePlugin, UsageError } from "@quicksilver/sdk";
 * export default definePlugin({ name: "dice", version: "1.0.0", commands: { ... } });
 * ```
 *
 * A plugin runs in its own `deno run` process with access to its data dir and nothing else; the
 * context gives it everything it may do (reply, say, publish its own events, storage, timers,
 * logging, its config). See docs/PLUGIN-DEVELOPMENT.md.
 *
 * @module
 */
export {
  ANY_GRANTED_HOST,
  type CommandDefinition,
  definePlugin,
  describePlugin,
  type ExtrasRequest,
  isPlugin,
  type Plugin,
  type PluginDefinition,
  type PluginDescription,
  type PluginExtras,
} from "./define_plugin.ts";
export type {
  CommandContext,
  CommandHandler,
  CommandReturn,
  EventHandler,
  GrantedExtras,
  GrantedMessageHandler,
  PluginContext,
  PluginEvent,
  PluginLogger,
} from "./context.ts";
export {
  decodeStorageKey,
  encodeStorageKey,
  isStorageKey,
  KvStorage,
  type KvStorageOptions,
  type Storage,
  STORAGE_FILE,
  STORAGE_MAX_BYTES,
} from "./storage.ts";
export { type Timers, TimerSet } from "./timers.ts";
export {
  apiErrorCode,
  DEFAULT_LEASE_TIMING,
  KvLease,
  type KvLeaseOptions,
  lazyLease,
  type Lease,
  LEASE_KEY,
  type LeaseTiming,
} from "./lease.ts";
export {
  NotGrantedError,
  PluginDefinitionError,
  StorageError,
  StorageQuotaError,
  UsageError,
} from "./errors.ts";
// `subjects` and `subjectMatches` let a plugin name the subjects it asks for in `extras` (and
// filter what it receives) without spelling the subject tree itself.
export {
  EVENT_TYPES,
  type EventType,
  RANKS,
  type Source,
  subjectMatches,
  subjects,
  type User,
} from "@quicksilver/core/client";
