/**
 * OS-level resource limits for plugin processes: what a plugin may use
 * ({@linkcode ResourceLimits}), how this host can enforce it ({@linkcode detectLimitSupport}),
 * per-launch cgroups (v1 and v2), the /proc watchdog fallback and sampler, and the mapping from
 * an exit to a cause in plain words.
 *
 * @module
 */
export {
  DEFAULT_RESOURCE_LIMITS,
  parseResourceLimits,
  RESOURCE_LIMIT_BOUNDS,
  type ResourceLimits,
  type ResourceLimitsInput,
  resourceLimitsSchema,
} from "./resource_limits.ts";
export {
  describeLimitSupport,
  detectLimitSupport,
  type DetectOptions,
  findExecutable,
  findTools,
  type LimitMechanism,
  type LimitSupport,
  type LimitTools,
} from "./detect.ts";
export {
  CGROUP_BASE_NAME,
  cgroupBaseDirs,
  type CgroupGroup,
  cgroupName,
  type CgroupStats,
  cleanupStaleCgroups,
  newLaunchId,
  removeCgroupBase,
  type StaleCleanupOptions,
  type StaleCleanupReport,
} from "./cgroup.ts";
export { type CgroupV1Layout, createCgroupV1Group } from "./cgroup_v1.ts";
export { type CgroupV2Layout, createCgroupV2Group } from "./cgroup_v2.ts";
export { createCgroup } from "./create_cgroup.ts";
export {
  type ProcessSample,
  sampleProcess,
  startWatchdog,
  Watchdog,
  type WatchdogOptions,
  type WatchdogVerdict,
} from "./watchdog.ts";
export {
  classifyExit,
  EXIT_CAUSES,
  type ExitCause,
  type ExitClassification,
  type ExitEvidence,
} from "./exit_cause.ts";
export { CgroupBusyError, CgroupError, ResourceLimitsError } from "./errors.ts";
