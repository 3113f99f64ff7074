/**
 * The plugin manager: discovery, vetting, launch plans, supervision, admin subjects and the
 * offline `check`.
 *
 * @module
 */
export { PluginManager, type PluginManagerOptions } from "./plugin_manager.ts";
export { PluginSupervisor } from "./supervisor.ts";
export type { SupervisorTimings } from "./supervisor_deps.ts";
export type { LaunchFigures } from "./prepare_launch.ts";
export { checkPlugin, type CheckReport, formatCheckReport } from "./check_plugin.ts";
export {
  allowedNet,
  explainPlan,
  FORBIDDEN_DENO_FLAGS,
  type LaunchPlan,
  planLaunch,
} from "./launch_plan.ts";
export {
  type ModuleGraph,
  moduleGraph,
  trustedModules,
  vetPlugin,
  type VettingResult,
} from "./module_vetting.ts";
export { DEFAULT_RESTART_POLICY, RestartPacer, type RestartPolicy } from "./backoff.ts";
export { discoverPlugins, pluginNameOf } from "./discovery.ts";
export {
  parsePluginSettings,
  type PluginGrants,
  PluginGrantsSchema,
  type PluginLimits,
  PluginLimitsSchema,
  type PluginSettings,
  type PluginSettingsInput,
  PluginSettingsSchema,
  PluginsSectionSchema,
} from "./settings.ts";
export {
  ADMIN_OPS,
  type AdminOp,
  type AdminReply,
  type AdminRequest,
  AdminRequestSchema,
} from "./admin_service.ts";
export { auditViolation, parseServerViolation, ViolationReporter } from "./violations.ts";
export { PluginManagerError, PluginRefusedError } from "./errors.ts";
export { pluginServerAddresses } from "./plugin_servers.ts";
export {
  ensurePluginStorage,
  migrateStorageFile,
  type PluginStorageSpec,
  type StorageMigration,
} from "./plugin_storage.ts";
export { REPO_PATHS } from "./repo_paths.ts";
export {
  PLUGIN_MANAGER_IDENTITY,
  PLUGIN_MANAGER_SYSTEM_IDENTITY,
  pluginHostRole,
  pluginManagerSystemRole,
  pluginStorageAdminSubjects,
} from "./roles.ts";
export {
  type ApprovalRecord,
  ApprovalRecordSchema,
  beyondApproval,
  type PermissionSet,
  PermissionSetSchema,
  readApproval,
  requestedPermissions,
  settingsWithinApproval,
  sha256Hex,
} from "./approval.ts";
export { type InstalledFiles, installedFiles } from "./installed_files.ts";
