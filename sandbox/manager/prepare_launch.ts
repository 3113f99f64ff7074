/**
 * Everything between "start plugin X" and a running process: vet the module graph, prepare a
 * symlink-free data dir owned by the plugin's uid, write the entry, describe the plugin (no
 * permissions), derive the plan, mint its NATS user, spawn it sandboxed and hand it the launch
 * config (with the credentials) on stdin.
 */
import { errorText } from "@quicksilver/core";
import { mintPluginUser } from "../credentials/mod.ts";
import {
  checkPathAccess,
  killLeftover,
  OutputBudget,
  pluginAccessTargets,
  prepareDataDir,
  removeLaunchRecord,
  type SandboxedProcess,
  spawnSandboxed,
  SymlinkInDataDirError,
  type UidAssignment,
  writeLaunchRecord,
} from "../process/mod.ts";
import { type LaunchConfigInput, TRIPWIRE_PREFIX } from "../runner/mod.ts";
import type { PluginDescription } from "../sdk/mod.ts";
import { checkDataQuotaBeforeLaunch, guardDataQuota } from "./data_quota_policy.ts";
import { describeInSandbox } from "./describe.ts";
import { PluginRefusedError } from "./errors.ts";
import { allowedNet, type LaunchPlan, planLaunch } from "./launch_plan.ts";
import type { PluginPathsOnDisk } from "./layout.ts";
import { vetPlugin } from "./module_vetting.ts";
import { resolvePluginSecrets } from "./plugin_secrets.ts";
import { ensurePluginStorage, migrateStorageFile } from "./plugin_storage.ts";
import type { SupervisorDeps } from "./supervisor_deps.ts";
import { beyondApproval, requestedPermissions, sha256Hex } from "./approval.ts";

/** Milliseconds spent in each step of the last launch. */
export interface LaunchFigures {
  vetMs: number;
  describeMs: number;
  mintMs: number;
  spawnMs: number;
  /** From spawn to the first heartbeat (the plugin's cold start). */
  readyMs: number;
  spawnedAt: number;
  uid: number | null;
}

export interface PreparedLaunch {
  proc: SandboxedProcess;
  plan: LaunchPlan;
  description: PluginDescription;
  /** npm packages it imports besides the SDK's (from its vetted module graph). */
  askedNpm: string[];
  paths: PluginPathsOnDisk;
  userKey: string;
  /** `host:port`s the plugin may dial (every NATS server and granted extras). */
  allowedNet: string[];
  /** What its stdout and stderr may put through (the rest is drained and counted). */
  output: OutputBudget;
  /**
   * A secret of this launch, known to the runner (from stdin, before plugin code loads) and the
   * manager: the runner's tripwire lines carry it, so plugin code cannot forge them.
   */
  reportToken: string;
  figures: LaunchFigures;
}

/** Folders already reported as blocking plugin uids (see the per-launch access check). */
const uidWarned = new Set<string>();

/**
 * Vetting and the description depend only on the plugin file (a plugin is one file and may import
 * nothing but the SDK) and the npm grants: they are redone when the file changes.
 */
export interface LaunchCache {
  key?: string;
  description?: PluginDescription;
  /** npm packages its module graph imports besides the SDK's (what it asks for in npm). */
  npm?: string[];
}

export async function preparePluginLaunch(
  name: string,
  file: string,
  deps: SupervisorDeps,
  cache: LaunchCache = {},
  options: { launchId?: string } = {},
): Promise<PreparedLaunch> {
  const log = deps.logger.child({ plugin: name });
  const settings = deps.settingsOf(name);
  const t0 = performance.now();
  const approval = deps.approvalOf(name);
  if (approval) {
    // An installed plugin runs only as the bytes the operator approved.
    const sha = await sha256Hex(await Deno.readFile(file));
    if (sha !== approval.sha256) {
      throw new PluginRefusedError(
        name,
        "tampered",
        `refused: its file ${file} has SHA-256 ${sha}, not the approved ${approval.sha256}; ` +
          `it changed after it was installed. Reinstall it with \`deno task plugins install\``,
      );
    }
  }
  const stat = await Deno.stat(file);
  const key = `${stat.mtime?.getTime()}:${stat.size}:${settings.grants.npm.join(",")}`;
  if (cache.key !== key) {
    delete cache.key;
    delete cache.description;
    delete cache.npm;
    const trusted = await deps.trusted();
    const vetting = await vetPlugin(file, trusted, {
      denoPath: deps.denoPath,
      configPath: deps.configPath,
      grantedNpm: settings.grants.npm,
    });
    if (!vetting.ok) {
      throw new PluginRefusedError(name, "module-graph", `refused: ${vetting.problems.join("; ")}`);
    }
    cache.npm = vetting.graph.modules.filter((s) => s.startsWith("npm:") && !trusted.npm.has(s));
  }
  const vetMs = performance.now() - t0;

  let uid: UidAssignment | null = deps.uids?.assign(name) ?? null;
  let paths = deps.layout.pathsOf(name, uid);
  await endLeftover(name, paths.launchRecord, deps);
  if (uid) {
    const access = await checkPathAccess([
      ...pluginAccessTargets({ denoExecutable: deps.denoPath, pluginFile: file }),
      { path: deps.configPath, access: ["read"], role: "deno.json" },
      { path: deps.runnerModule, access: ["read"], role: "runner" },
      {
        path: paths.entryFile.replace(/\/[^/]+$/, ""),
        access: ["read", "execute"],
        role: "entries",
      },
    ], uid);
    if (!access.ok) {
      // One line per cause, not per plugin: every plugin behind the same folder has the same fix.
      const first = access.problems[0]!;
      (uidWarned.has(first.blockedAt) ? log.debug : log.warn)(
        `runs under the manager's uid, not its own: ${first.message}`,
      );
      uidWarned.add(first.blockedAt);
      uid = null;
      paths = deps.layout.pathsOf(name, null);
    }
  }
  try {
    await prepareDataDir(paths.dataDir, { uid, symlinks: "refuse" });
  } catch (error) {
    if (error instanceof SymlinkInDataDirError) {
      throw new PluginRefusedError(
        name,
        "symlink",
        `refused: its data dir holds symlinks (${error.symlinks.join(", ")}); Deno would follow ` +
          `them out of the sandbox. Remove them, then start the plugin again`,
        { cause: error },
      );
    }
    throw error;
  }
  const quotaTarget = {
    name,
    dataDir: paths.dataDir,
    uid,
    limits: settings.resourceLimits,
  };
  await checkDataQuotaBeforeLaunch(quotaTarget, deps);
  await deps.layout.writeEntry(name, file, deps.runnerModule);
  await deps.layout.prepareLaunchFiles(paths, uid);

  const t1 = performance.now();
  const description = cache.key === key && cache.description
    ? cache.description
    : await describeInSandbox({
      name,
      denoPath: deps.denoPath,
      configPath: deps.configPath,
      entryFile: paths.entryFile,
      cwd: paths.dataDir,
      denoDir: paths.denoDir,
      uid,
      ...(deps.limitSupport ? { support: deps.limitSupport } : {}),
      cgroups: deps.cgroups,
      logger: log,
    });
  const describeMs = performance.now() - t1;
  cache.key = key;
  cache.description = description;
  if (approval) {
    const reviewed = approval.requested ?? approval.approved;
    const beyond = beyondApproval(requestedPermissions(description), reviewed);
    if (beyond.length > 0) {
      throw new PluginRefusedError(
        name,
        "beyond-approval",
        `refused: it declares more than the operator reviewed at install (${beyond.join(", ")}); ` +
          `review it with \`deno task plugins update ${name}\``,
      );
    }
  }

  let plan: LaunchPlan;
  try {
    plan = planLaunch({
      name,
      description,
      settings,
      servers: deps.servers,
      dataDir: paths.dataDir,
      entryFile: paths.entryFile,
      configPath: deps.configPath,
    });
  } catch (error) {
    throw new PluginRefusedError(name, "definition", errorText(error), { cause: error });
  }
  // Its storage bucket exists, with its quota, before it can connect (it may not create it).
  const storage = {
    plugin: name,
    bucket: plan.nats.storageBucket,
    maxBytes: plan.nats.limits.maxStorageBytes,
    maxValueBytes: plan.nats.limits.maxPayload,
  };
  await ensurePluginStorage(deps.bus, storage, log);
  const migration = await migrateStorageFile(deps.bus, { ...storage, dataDir: paths.dataDir, log });
  if (migration) {
    log.info("storage.json moved into the plugin's KV bucket (once)", {
      keys: migration.migrated,
      skipped: migration.skipped,
      renamedTo: migration.renamedTo,
    });
  }
  const t2 = performance.now();
  const user = await mintPluginUser(deps.signer, plan.nats, {
    expiresInSeconds: deps.jwtTtlSeconds,
  });
  const mintMs = performance.now() - t2;

  const t3 = performance.now();
  const output = new OutputBudget(deps.outputLimits);
  const reportToken = crypto.randomUUID();
  const proc = await spawnSandboxed({
    outputBudget: output,
    keptLinePrefix: `${TRIPWIRE_PREFIX}${reportToken} `,
    plugin: name,
    argv: [deps.denoPath, ...plan.denoArgs],
    cwd: paths.dataDir,
    // Nothing from the manager's environment: the audit log is how we see denied checks.
    env: {
      DENO_DIR: paths.denoDir,
      DENO_AUDIT_PERMISSIONS: paths.auditFile,
      NO_COLOR: "1",
      DENO_NO_UPDATE_CHECK: "1",
    },
    limits: plan.limits,
    uid,
    ...(deps.limitSupport ? { support: deps.limitSupport } : {}),
    cgroups: deps.cgroups,
    killGraceMs: deps.timings.stopGraceMs,
    ...(options.launchId ? { launchId: options.launchId } : {}),
    logger: log,
  });
  const spawnMs = performance.now() - t3;
  await writeLaunchRecord(paths.launchRecord, {
    plugin: name,
    launchId: proc.launchId,
    pid: proc.pid,
    uid: proc.enforcement.uid,
    cgroupDirs: [...proc.enforcement.cgroupDirs],
  }).catch((error) =>
    log.warn("could not record the launch; a leftover after a crash will not be found", {
      error: errorText(error),
    })
  );
  await guardDataQuota(quotaTarget, proc, deps, log).catch((error) =>
    log.warn("data dir quota not watched", { error: errorText(error) })
  );
  const record = paths.launchRecord;
  proc.status.finally(() => removeLaunchRecord(record, proc.pid).catch(() => undefined));
  // Values never logged: a problem names the config key and the variable, never a value.
  const resolved = resolvePluginSecrets(name, settings.config, deps.env);
  for (const problem of resolved.problems) log.warn(problem);
  const config: LaunchConfigInput = {
    mode: "run",
    name,
    servers: [...deps.servers],
    creds: user.creds,
    tlsCa: deps.tlsCa,
    dataDir: paths.dataDir,
    storageBucket: plan.nats.storageBucket,
    config: settings.config,
    granted: {
      net: plan.granted.net,
      publish: plan.granted.publish,
      subscribe: plan.granted.subscribe,
    },
    heartbeatMs: deps.timings.heartbeatMs,
    reportToken,
    launchId: proc.launchId,
    host: deps.hostId ?? "",
    bot: deps.bot,
    secrets: resolved.secrets,
  };
  try {
    // One line of config; then stdin stays open as the plugin's lifeline: when the manager's
    // process ends (even by SIGKILL) the pipe closes and the runner stops itself, so no plugin
    // outlives its manager. It is closed here once the plugin has exited.
    await proc.stdin.write(new TextEncoder().encode(JSON.stringify(config) + "\n"));
    proc.status.finally(() => proc.stdin.close().catch(() => undefined));
  } catch (error) {
    log.warn("could not hand over the launch config", { error: errorText(error) });
  }
  return {
    proc,
    plan,
    description,
    askedNpm: [...(cache.npm ?? [])],
    paths,
    userKey: user.publicKey,
    allowedNet: allowedNet(deps.servers, plan.granted.net),
    output,
    reportToken,
    figures: {
      vetMs: Math.round(vetMs),
      describeMs: Math.round(describeMs),
      mintMs: Math.round(mintMs),
      spawnMs: Math.round(spawnMs),
      readyMs: 0,
      spawnedAt: Date.now(),
      uid: uid?.uid ?? null,
    },
  };
}

/**
 * A process of this plugin from an earlier run of this bot (same state dir) that is still
 * running outlived its manager: two copies would answer every command and share its data dir.
 * It is killed before the new launch, and reported once.
 */
async function endLeftover(name: string, recordPath: string, deps: SupervisorDeps) {
  const leftover = await killLeftover(recordPath);
  if (!leftover) return;
  const { record, killed } = leftover;
  const when = new Date(record.startedAt).toISOString();
  deps.reporter.report({
    plugin: name,
    kind: "outlived-manager",
    detail: `pid ${record.pid}${record.uid === null ? "" : ` (uid ${record.uid})`}, launched ` +
      `${when} by manager pid ${record.managerPid}, was still running after its manager ` +
      `ended; killed ${killed.join(", ")} before launching it again`,
    action: "killed",
  });
}
