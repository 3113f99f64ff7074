/**
 * Launching plugin processes: a uid per plugin ({@linkcode UidPool}), a prepared, symlink-free
 * data dir ({@linkcode prepareDataDir}), path checks for the plugin uid
 * ({@linkcode checkPathAccess}), a deno executable those uids can run
 * ({@linkcode reachableExecutable}), and the sandboxed spawn itself ({@linkcode spawnSandboxed}),
 * which applies the limits from `../limits` and reports why a process ended.
 *
 * @module
 */
export {
  createUidPool,
  DEFAULT_UID_RANGE,
  type UidAssignment,
  UidPool,
  type UidPoolOptions,
} from "./uid_pool.ts";
export {
  dataDirOwner,
  findSymlinks,
  prepareDataDir,
  type PrepareDataDirOptions,
  type PreparedDataDir,
  removeSymlinks,
} from "./data_dir.ts";
export {
  type AccessKind,
  type AccessReport,
  type AccessTarget,
  checkPathAccess,
  type PathProblem,
  pluginAccessTargets,
  type PluginPaths,
} from "./path_access.ts";
export {
  type ReachableExecutable,
  reachableExecutable,
  type ReachableExecutableOptions,
} from "./reachable_executable.ts";
export {
  buildLaunchCommand,
  ENTER_SCRIPT,
  type LaunchCommand,
  type LaunchPlan,
} from "./launch_command.ts";
export {
  type Enforcement,
  type ExitInfo,
  type ProcessStats,
  type SandboxedProcess,
  spawnSandboxed,
  type SpawnSandboxedOptions,
} from "./spawn_sandboxed.ts";
export {
  type DataQuota,
  DataQuotaGuard,
  type DataQuotaGuardOptions,
  type DataUsage,
  lockDataDir,
  measureDataDir,
  overQuota,
} from "./data_quota.ts";
export {
  type KilledLeftover,
  killLeftover,
  type LaunchRecord,
  processStart,
  removeLaunchRecord,
  writeLaunchRecord,
} from "./launch_record.ts";
export { DataDirError, SpawnError, SymlinkInDataDirError, UidPoolError } from "./errors.ts";
export { DEFAULT_OUTPUT_LIMITS, OutputBudget, type OutputLimits } from "./output_budget.ts";
