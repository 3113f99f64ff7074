/**
 * Creates a plugin's cgroup with whichever version {@linkcode detectLimitSupport} found, so
 * callers never branch on the version.
 *
 * @module
 */
import type { LimitSupport } from "./detect.ts";
import type { ResourceLimits } from "./resource_limits.ts";
import { type CgroupGroup, cgroupName } from "./cgroup.ts";
import { createCgroupV1Group } from "./cgroup_v1.ts";
import { createCgroupV2Group } from "./cgroup_v2.ts";

/**
 * Creates `<base>/<plugin>-<launchId>` with the limits written, or returns null when the host
 * has no usable cgroup (the caller then runs the watchdog).
 */
export function createCgroup(
  support: LimitSupport,
  limits: ResourceLimits,
  options: { plugin: string; launchId: string },
): Promise<CgroupGroup | null> {
  const layout = support.cgroup;
  if (layout === null) return Promise.resolve(null);
  const name = cgroupName(options.plugin, options.launchId);
  return layout.version === 1
    ? createCgroupV1Group(layout, name, limits)
    : createCgroupV2Group(layout, name, limits);
}
