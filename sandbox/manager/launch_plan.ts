/**
 * One manifest, both sandboxes: from a plugin's description (what it declares and asks for) and
 * the operator's settings (what is granted), derive the Deno flags, the NATS rights and the
 * resource limits of its launch. `plugins check` prints exactly this plan.
 */
import type { PluginAccess } from "@quicksilver/core";
import { type PluginNatsRights, pluginNatsRights } from "../credentials/mod.ts";
import type { ResourceLimits } from "../limits/mod.ts";
import { ANY_GRANTED_HOST, type PluginDescription } from "../sdk/mod.ts";
import type { PluginSettings } from "./settings.ts";

/** Flags that must never reach a plugin's command line (tested). */
export const FORBIDDEN_DENO_FLAGS = [
  "-A",
  "--allow-all",
  "--allow-run",
  "--allow-env",
  "--allow-ffi",
  "--allow-sys",
  "--allow-import",
  "--allow-hrtime",
] as const;

export interface LaunchPlan {
  name: string;
  /** `deno` arguments after the executable, ending with the entry file. */
  denoArgs: string[];
  nats: PluginNatsRights;
  limits: ResourceLimits;
  /** The JS heap cap (MiB) given to V8; below the memory limit so heap exhaustion is named. */
  heapMb: number;
  granted: { net: string[]; publish: string[]; subscribe: string[]; npm: string[] };
  /** Asked for in `extras` but not granted in config. */
  notGranted: string[];
}

export interface PlanInput {
  name: string;
  description: PluginDescription;
  settings: PluginSettings;
  /** The NATS servers plugins dial (every one of `nats.servers`), IP literals `host:port`. */
  servers: readonly string[];
  dataDir: string;
  entryFile: string;
  configPath: string;
}

export function planLaunch(input: PlanInput): LaunchPlan {
  const { description, settings, name } = input;
  const asked = description.extras;
  const notGranted: string[] = [];
  const pick = (
    what: string,
    wanted: readonly string[] | undefined,
    allowed: readonly string[],
  ) => {
    const out: string[] = [];
    for (const item of wanted ?? []) {
      if (allowed.includes(item)) out.push(item);
      else notGranted.push(`${what} ${item}`);
    }
    return out;
  };
  // `"*"` in extras.net: the plugin's host is the operator's choice (a configurable base URL).
  const anyHost = asked.net?.includes(ANY_GRANTED_HOST) ?? false;
  if (anyHost && settings.grants.net.length === 0) notGranted.push("net * (any host you grant)");
  const granted = {
    net: anyHost ? [...settings.grants.net] : pick("net", asked.net, settings.grants.net),
    publish: pick("publish", asked.publish, settings.grants.publish),
    subscribe: pick("subscribe", asked.subscribe, settings.grants.subscribe),
    npm: [...settings.grants.npm],
  };
  const limits = settings.resourceLimits;
  if (asked.memoryMb !== undefined && settings.limits.memoryMb === undefined) {
    notGranted.push(`memoryMb ${asked.memoryMb} (set plugins.${name}.limits.memoryMb)`);
  }
  const nats = pluginNatsRights(
    { name, events: description.manifest.events },
    { publish: granted.publish, subscribe: granted.subscribe },
    {
      ...(settings.nats.maxSubscriptions !== undefined
        ? { maxSubscriptions: settings.nats.maxSubscriptions }
        : {}),
      ...(settings.nats.maxPayload !== undefined ? { maxPayload: settings.nats.maxPayload } : {}),
      ...(settings.nats.maxStorageBytes !== undefined
        ? { maxStorageBytes: settings.nats.maxStorageBytes }
        : {}),
    },
  );
  // V8's heap flag does not bound ArrayBuffers (NOTES-SANDBOX §2); the OS limit does. Keeping the
  // heap under it lets an object hog die as "heap exhausted" (exit 133) rather than an OOM kill.
  const heapMb = Math.max(32, Math.floor(limits.memoryMb * 0.75));
  const denoArgs = [
    ...sandboxedRunArgs(input.configPath),
    // A 1 MB young generation (V8 grows it to 16 MB under load): a plugin's per-command garbage
    // is small, and this keeps a busy plugin's RSS ~20 MB lower (docs/PERFORMANCE.md).
    `--v8-flags=--max-old-space-size=${heapMb},--max-semi-space-size=1`,
    // Every NATS server and the granted hosts, nothing else; IP literals on both sides:
    // `localhost` would need DNS permission (NOTES-SANDBOX §1).
    `--allow-net=${allowedNet(input.servers, granted.net).join(",")}`,
    `--allow-read=${input.dataDir}`,
    `--allow-write=${input.dataDir}`,
    input.entryFile,
  ];
  return { name, denoArgs, nats, limits, heapMb, granted, notGranted };
}

/**
 * What a plugin may dial: each NATS server of its host, then the hosts it was granted (once
 * each, in that order).
 */
export function allowedNet(servers: readonly string[], granted: readonly string[]): string[] {
  return [...new Set([...servers, ...granted])];
}

/**
 * The plan as the plugin table shows it (`access` of a `PluginStatus`): what the plugin asked for
 * (its `extras` and the npm packages its module graph imports), what this launch was granted,
 * what was asked and not granted, and the limits it runs under.
 */
export function accessOf(
  plan: LaunchPlan,
  description: PluginDescription,
  askedNpm: readonly string[] = [],
): PluginAccess {
  const extras = description.extras;
  const { cpuSecondsBackstop, ...limits } = plan.limits;
  return {
    asked: {
      net: [...(extras.net ?? [])],
      publish: [...(extras.publish ?? [])],
      subscribe: [...(extras.subscribe ?? [])],
      npm: [...askedNpm],
    },
    ...(extras.memoryMb !== undefined ? { askedMemoryMb: extras.memoryMb } : {}),
    granted: {
      net: [...plan.granted.net],
      publish: [...plan.granted.publish],
      subscribe: [...plan.granted.subscribe],
      npm: [...plan.granted.npm],
    },
    notGranted: [...plan.notGranted],
    limits: {
      ...limits,
      heapMb: plan.heapMb,
      ...(cpuSecondsBackstop !== undefined ? { cpuSecondsBackstop } : {}),
    },
  };
}

/**
 * `deno run` and the flags every sandboxed process of a plugin gets (its launch and the
 * permissionless describe run): no prompt, and no code from anywhere but the vetted cache.
 */
export function sandboxedRunArgs(configPath: string): string[] {
  return [
    "run",
    "--no-prompt",
    // NOTES-SANDBOX §1 holes 3-4: without these three a plugin can download npm/esm.sh/jsr code
    // and rewrite the shared lockfile and node_modules.
    "--cached-only",
    "--frozen",
    "--no-remote",
    "--node-modules-dir=manual",
    // Deno's V8 code cache is a SQLite file in the plugin's DENO_DIR, written at start-up before
    // any JS runs, so before the runner can catch SIGXFSZ: with the runner's graph (nats.js, zod)
    // it outgrows a small limits.dataMb (RLIMIT_FSIZE caps every file the process writes) and
    // the kernel killed the plugin at every launch. Cold start with and without it measured the
    // same within the VM's noise (docs/PERFORMANCE.md).
    "--no-code-cache",
    `--config=${configPath}`,
  ];
}

/** The plan in plain words, for `plugins check` and the manager's log. */
export function explainPlan(plan: LaunchPlan): string[] {
  const p = plan.nats.permissions;
  return [
    `Deno: deno ${plan.denoArgs.join(" ")}`,
    `  files: read/write only its data dir; no env, no subprocess, no FFI, no system info`,
    `  network: only ${plan.denoArgs.find((a) => a.startsWith("--allow-net="))?.slice(12)}`,
    `NATS user ${plan.nats.identity}:`,
    `  publish: ${p.publish.allow.join(", ")} (+ one reply per request)`,
    `  subscribe: ${p.subscribe.allow.join(", ")}`,
    `  never: ${p.publish.deny.join(", ")}`,
    `  limits: ${plan.nats.limits.maxSubscriptions} subscriptions, ${plan.nats.limits.maxPayload} bytes per message`,
    `Resources: ${plan.limits.memoryMb} MB memory (JS heap ${plan.heapMb} MB), ${plan.limits.cpu} CPU, ` +
    `${plan.limits.pids} tasks, ${plan.limits.openFiles} open files, data dir ` +
    `${plan.limits.dataMb} MiB in ${plan.limits.dataFiles} files`,
    ...(plan.notGranted.length > 0
      ? [`Asked for but not granted (grant in plugins.${plan.name}): ${plan.notGranted.join(", ")}`]
      : []),
  ];
}
