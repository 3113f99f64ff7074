/**
 * Installing a stranger's plugin safely: sources (file, URL, index), publisher signatures, the
 * review of what it may do, approval records, updates with rollback, removal. Used by
 * `deno task plugins install|update|remove|sign` (scripts/plugins.ts); the running manager
 * enforces the approval (sandbox/manager/approval.ts).
 *
 * @module
 */
export { type BotAdmin, connectBotAdmin } from "./bot_admin.ts";
export { INSTALL_REFUSALS, InstallError, type InstallRefusal } from "./errors.ts";
export {
  type InstallContext,
  type InstallOutcome,
  installPlugin,
  removePlugin,
  updatePlugins,
} from "./flows.ts";
export {
  type FetchedPlugin,
  fetchPlugin,
  type IndexEntry,
  IndexEntrySchema,
  type PluginIndex,
  PluginIndexSchema,
  readIndex,
} from "./source.ts";
export {
  createPublisherKey,
  type SignatureFile,
  SignatureFileSchema,
  type SignatureStatus,
  signHash,
  verifySignature,
} from "./signature.ts";
export { type Collision, describePermissions, formatInstallReview } from "./review.ts";
