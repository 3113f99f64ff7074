/**
 * Plugin NATS identities: the rights derived from a plugin's manifest and grants, the per-launch
 * user minted with them, and the revocation kill switch.
 *
 * @module
 */
export {
  DEFAULT_PLUGIN_NATS_LIMITS,
  deniedPluginSubjects,
  pluginIdentity,
  type PluginNatsLimits,
  type PluginNatsRights,
  pluginNatsRights,
  pluginStorageBucket,
  pluginStorageSubjects,
  type SubjectGrants,
} from "./plugin_permissions.ts";
export { DEFAULT_PLUGIN_JWT_TTL_SECONDS, mintPluginUser } from "./mint_plugin_user.ts";
export { Revoker } from "./revoker.ts";
export { PluginCredentialsError } from "./errors.ts";
