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
export {
  DEFAULT_PLUGIN_JWT_TTL_SECONDS,
  mintPluginUser,
  type PluginUserSigner,
} from "./mint_plugin_user.ts";
export { PLUGIN_SIGNING_ROLE, pluginScopeTemplate, scopedPluginTags } from "./plugin_scope.ts";
export { installPluginSigningKey } from "./plugin_signing_key.ts";
export { Revoker } from "./revoker.ts";
export { PluginCredentialsError } from "./errors.ts";
