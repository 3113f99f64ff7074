/**
 * What the manager does when a plugin's data dir goes over its quota (`plugins.<name>.limits.
 * dataMb` / `dataFiles`, see sandbox/process/data_quota.ts for the mechanism and overshoot):
 *
 * - with a uid of its own, the dir is locked read-only for it: its writes fail with "Permission
 *   denied" while it keeps running and reading; if usage still grows (a descriptor opened before
 *   the lock) the process is killed, and the next launch starts locked;
 * - under the manager's uid permissions cannot stop it (the manager may be root), so the process
 *   is stopped and launches are refused until the dir is back under the quota.
 *
 * Reported once on `rosey.security.violation` (kind `data-quota`) per time over the quota: the
 * report is cleared when a count finds the dir back under it.
 */
import { errorText, type Logger } from "@quicksilver/core";
import type { ResourceLimits } from "../limits/mod.ts";
import {
  DataQuotaGuard,
  type DataUsage,
  lockDataDir,
  measureDataDir,
  overQuota,
  type SandboxedProcess,
  type UidAssignment,
} from "../process/mod.ts";
import { PluginRefusedError } from "./errors.ts";
import type { SupervisorDeps } from "./supervisor_deps.ts";

/** Data dirs reported over their quota and not seen back under it since (keyed by path). */
const reportedOver = new Set<string>();

export interface DataQuotaTarget {
  name: string;
  dataDir: string;
  uid: UidAssignment | null;
  limits: ResourceLimits;
}

function quotaOf(limits: ResourceLimits) {
  return { bytes: limits.dataMb * 1048576, files: limits.dataFiles };
}

function reportOnce(target: DataQuotaTarget, deps: SupervisorDeps, why: string, action: string) {
  if (reportedOver.has(target.dataDir)) return;
  reportedOver.add(target.dataDir);
  deps.reporter.report({
    plugin: target.name,
    kind: "data-quota",
    detail: `its data dir is over its quota (${why}; plugins.${target.name}.limits.dataMb ` +
      `${target.limits.dataMb}, dataFiles ${target.limits.dataFiles}): ` +
      (action === "refused"
        ? "it cannot be started until the dir is back under the quota"
        : "the dir is now read-only for it"),
    action,
  });
}

/**
 * Before launch: a dir already over the quota is locked (own uid) or the launch is refused
 * (shared uid) with a {@linkcode PluginRefusedError} that says how to get out.
 */
export async function checkDataQuotaBeforeLaunch(
  target: DataQuotaTarget,
  deps: SupervisorDeps,
): Promise<void> {
  const usage = await measureDataDir(target.dataDir);
  const why = overQuota(usage, quotaOf(target.limits));
  if (why === null) {
    reportedOver.delete(target.dataDir);
    return;
  }
  if (target.uid) {
    await lockDataDir(target.dataDir, target.uid);
    reportOnce(target, deps, why, "denied");
    return;
  }
  reportOnce(target, deps, why, "refused");
  throw new PluginRefusedError(
    target.name,
    "data-quota",
    `refused: its data dir ${target.dataDir} is over its quota (${why}). Free space in it, or ` +
      `raise plugins.${target.name}.limits.dataMb / dataFiles in rosey.yaml, then start it again`,
  );
}

/** While it runs: recounts on every change; see the module doc for what happens past the quota. */
export async function guardDataQuota(
  target: DataQuotaTarget,
  proc: SandboxedProcess,
  deps: SupervisorDeps,
  log: Logger,
): Promise<DataQuotaGuard> {
  let lockedAt: DataUsage | null = null;
  const guard = new DataQuotaGuard({
    dir: target.dataDir,
    quota: quotaOf(target.limits),
    onOver: async (usage, why) => {
      if (!target.uid) {
        reportOnce(target, deps, why, "killed");
        await proc.kill(0);
        return;
      }
      if (lockedAt === null) {
        try {
          await lockDataDir(target.dataDir, target.uid);
        } catch (error) {
          log.warn("could not lock the data dir over its quota; stopping the plugin", {
            error: errorText(error),
          });
          await proc.kill(0);
        }
        lockedAt = await measureDataDir(target.dataDir);
        reportOnce(target, deps, why, "denied");
      } else if (usage.bytes > lockedAt.bytes || usage.files > lockedAt.files) {
        // Growing after the lock: a descriptor opened before it. Only ending the process closes it.
        log.warn("data dir still grows after the lock; killing the plugin", { ...usage });
        await proc.kill(0);
      }
    },
  });
  await guard.start();
  if (overQuota(guard.usage, quotaOf(target.limits)) === null) reportedOver.delete(target.dataDir);
  proc.status.finally(() => guard.close());
  return guard;
}
