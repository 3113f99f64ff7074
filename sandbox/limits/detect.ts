/**
 * Finds out how this host can limit a plugin: cgroup v2 with a writable delegated subtree,
 * cgroup v1 with writable memory, cpu and pids controllers, or neither (then the /proc
 * watchdog). Also finds the helper programs (`sh`, `prlimit`, `setpriv`, `env`) and whether we are
 * root. Every finding is a plain sentence, for `plugins check` and the startup log.
 *
 * @module
 */
import type { CgroupV1Layout } from "./cgroup_v1.ts";
import type { CgroupV2Layout } from "./cgroup_v2.ts";
import { CGROUP_BASE_NAME } from "./cgroup.ts";
import { errorText } from "./_cgroup_fs.ts";

/** How limits are enforced. */
export type LimitMechanism = "cgroup-v2" | "cgroup-v1" | "watchdog";

/** Absolute paths of the helper programs, or null when missing. */
export interface LimitTools {
  sh: string | null;
  prlimit: string | null;
  setpriv: string | null;
  env: string | null;
}

/** What {@linkcode detectLimitSupport} found. */
export interface LimitSupport {
  mechanism: LimitMechanism;
  /** The layout to create groups in; null for the watchdog. */
  cgroup: CgroupV1Layout | CgroupV2Layout | null;
  tools: LimitTools;
  /** Effective uid of the manager. */
  uid: number;
  isRoot: boolean;
  /** One plain sentence per fact, most important first. */
  findings: string[];
}

export interface DetectOptions {
  /** Skip cgroups even if usable (tests, or an operator's choice). */
  disableCgroups?: boolean;
  /** Use this v2 directory as the delegated parent instead of the manager's own cgroup. */
  v2Parent?: string;
  /** Use these v1 parents (per controller) instead of the manager's own cgroups. */
  v1Parents?: Partial<Record<"memory" | "cpu" | "pids" | "cpuacct", string>>;
  /** Read mount and cgroup membership from here (tests). Defaults: `/proc/self/...`. */
  mountinfoPath?: string;
  cgroupPath?: string;
  /** Where to look for helper programs; default `$PATH` plus the usual system dirs. */
  searchPath?: string[];
}

interface Mount {
  root: string;
  mountpoint: string;
  fstype: string;
  superOptions: string[];
}

/**
 * Probes the host. Creates the `quicksilver` folder under each usable controller (that is the
 * write test) and a throw-away child group to prove limits can be written.
 *
 * @example
 * ```ts
 * import { detectLimitSupport } from "./detect.ts";
 * const support = await detectLimitSupport();
 * for (const line of support.findings) console.log(line);
 * ```
 */
export async function detectLimitSupport(options: DetectOptions = {}): Promise<LimitSupport> {
  const uid = Deno.uid() ?? -1;
  const isRoot = uid === 0;
  const tools = await findTools(options.searchPath);
  const findings: string[] = [];
  let cgroup: CgroupV1Layout | CgroupV2Layout | null = null;

  if (options.disableCgroups) {
    findings.push("cgroups are turned off by configuration.");
  } else {
    const mounts = parseMountinfo(await readOr(options.mountinfoPath ?? "/proc/self/mountinfo"));
    const membership = parseProcCgroup(await readOr(options.cgroupPath ?? "/proc/self/cgroup"));
    const v2 = await probeV2(mounts, membership, options.v2Parent, findings);
    cgroup = v2 ?? await probeV1(mounts, membership, options.v1Parents ?? {}, findings);
  }
  if (cgroup === null && !tools.sh) {
    findings.push("sh is missing, so a plugin cannot be put in its cgroup before it starts.");
  }
  const mechanism: LimitMechanism = cgroup === null || !tools.sh
    ? "watchdog"
    : cgroup.version === 2
    ? "cgroup-v2"
    : "cgroup-v1";
  if (mechanism === "watchdog") {
    cgroup = null;
    findings.unshift(
      "No usable cgroup: a watchdog reads /proc every 250 ms and kills a plugin over its memory " +
        "limit or held above its CPU share for 2 s. Expect overshoot (measured: 342 MB RSS " +
        "against a 256 MB limit before the kill) and no hard CPU cap.",
    );
  } else if (cgroup?.version === 1) {
    findings.unshift(
      `Limits are enforced by cgroup v1: memory in ${cgroup.base.memory}, CPU in ` +
        `${cgroup.base.cpu}, tasks in ${cgroup.base.pids}.`,
    );
    findings.push(
      cgroup.memsw
        ? "The memory limit covers swap too (memory.memsw)."
        : "Swap is not capped (no memory.memsw; boot with swapaccount=1): a plugin may swap past its limit.",
    );
    findings.push(
      cgroup.base.cpuacct
        ? "CPU time per plugin is read from cpuacct."
        : "No cpuacct controller: CPU time per plugin comes from /proc sampling.",
    );
  } else if (cgroup?.version === 2) {
    findings.unshift(`Limits are enforced by cgroup v2 in ${cgroup.base}.`);
    findings.push(
      cgroup.swap
        ? "Swap is capped at 0 (memory.swap.max)."
        : "Swap is not capped (no memory.swap.max).",
    );
  }
  findings.push(
    tools.prlimit
      ? `Open files (and, with a uid per plugin, tasks) are capped with ${tools.prlimit}.`
      : "prlimit is missing (util-linux): open files are not capped per plugin, and without " +
        "cgroups neither are tasks.",
  );
  if (!isRoot) {
    findings.push(
      `Plugins share the manager's uid because the manager runs as uid ${uid}, not root.`,
    );
  } else if (!tools.setpriv) {
    findings.push("Plugins share the manager's uid because setpriv (util-linux) is missing.");
  } else {
    findings.push(`Plugins can run under their own uid (root, ${tools.setpriv}).`);
  }
  if (!tools.env) findings.push("env is missing: the environment is cleared by Deno instead.");
  return { mechanism, cgroup, tools, uid, isRoot, findings };
}

/** The findings as one multi-line text, for a CLI. */
export function describeLimitSupport(support: LimitSupport): string {
  return [`resource limits: ${support.mechanism}`, ...support.findings.map((f) => `  - ${f}`)]
    .join("\n");
}

async function probeV2(
  mounts: Mount[],
  membership: Map<string, string>,
  explicitParent: string | undefined,
  findings: string[],
): Promise<CgroupV2Layout | null> {
  const mount = mounts.find((m) => m.fstype === "cgroup2");
  if (!mount) return null;
  const parent = explicitParent ?? joinCgroupPath(mount, membership.get("") ?? "/");
  const wanted = ["memory", "cpu", "pids"];
  const available = (await readOr(`${parent}/cgroup.controllers`)).split(/\s+/);
  const missing = wanted.filter((c) => !available.includes(c));
  if (missing.length > 0) {
    findings.push(
      `cgroup v2 at ${mount.mountpoint} hands ${parent} no ${missing.join("/")} controller` +
        (available.filter(Boolean).length === 0 ? " (a hybrid layout keeps them in v1)." : "."),
    );
    return null;
  }
  const base = `${parent}/${CGROUP_BASE_NAME}`;
  try {
    await Deno.mkdir(base, { recursive: true });
    const enable = wanted.map((c) => `+${c}`).join(" ");
    const inBase = (await readOr(`${base}/cgroup.controllers`)).split(/\s+/);
    if (!wanted.every((c) => inBase.includes(c))) {
      // Fails with EBUSY when the parent itself holds processes ("no internal processes" rule).
      await Deno.writeTextFile(`${parent}/cgroup.subtree_control`, enable);
    }
    await Deno.writeTextFile(`${base}/cgroup.subtree_control`, enable);
    const probe = `${base}/.probe-${Deno.pid}`;
    await Deno.mkdir(probe, { recursive: true });
    try {
      await Deno.writeTextFile(`${probe}/pids.max`, "64");
      const swap = await Deno.lstat(`${probe}/memory.swap.max`).then(() => true, () => false);
      return { version: 2, base, swap };
    } finally {
      await Deno.remove(probe).catch(() => {});
    }
  } catch (err) {
    findings.push(
      `cgroup v2 subtree ${base} is not usable (${errorText(err)}); run the manager in a ` +
        `unit with Delegate=yes from a leaf cgroup, or set v2Parent to a delegated directory.`,
    );
    return null;
  }
}

async function probeV1(
  mounts: Mount[],
  membership: Map<string, string>,
  explicit: Partial<Record<"memory" | "cpu" | "pids" | "cpuacct", string>>,
  findings: string[],
): Promise<CgroupV1Layout | null> {
  const parentOf = (controller: "memory" | "cpu" | "pids" | "cpuacct"): string | null => {
    const given = explicit[controller];
    if (given) return given;
    const mount = mounts.find((m) => m.fstype === "cgroup" && m.superOptions.includes(controller));
    if (!mount) return null;
    const key = [...membership.keys()].find((k) => k.split(",").includes(controller));
    return joinCgroupPath(mount, key === undefined ? "/" : membership.get(key) ?? "/");
  };
  const bases: Record<string, string | null> = {};
  const problems: string[] = [];
  for (
    const [controller, file] of [
      ["memory", "memory.limit_in_bytes"],
      ["cpu", "cpu.cfs_quota_us"],
      ["pids", "pids.max"],
      ["cpuacct", "cpuacct.usage"],
    ] as const
  ) {
    const parent = parentOf(controller);
    if (parent === null) {
      bases[controller] = null;
      if (controller !== "cpuacct") problems.push(`no ${controller} controller is mounted`);
      continue;
    }
    const base = `${parent}/${CGROUP_BASE_NAME}`;
    const probe = `${base}/.probe-${Deno.pid}`;
    try {
      await Deno.mkdir(probe, { recursive: true });
      try {
        // Writing a limit proves more than mkdir: some containers mount cgroupfs rw yet refuse.
        if (controller === "pids") await Deno.writeTextFile(`${probe}/${file}`, "64");
        else await Deno.lstat(`${probe}/${file}`);
      } finally {
        await Deno.remove(probe).catch(() => {});
      }
      bases[controller] = base;
    } catch (err) {
      bases[controller] = null;
      if (controller !== "cpuacct") {
        problems.push(
          `the ${controller} controller at ${base} is not writable (${errorText(err)})`,
        );
      }
    }
  }
  const { memory, cpu, pids, cpuacct } = bases;
  if (!memory || !cpu || !pids) {
    if (mounts.some((m) => m.fstype === "cgroup")) {
      findings.push(`cgroup v1 is not usable: ${problems.join("; ")}.`);
    } else {
      findings.push("No cgroup v1 hierarchies are mounted.");
    }
    return null;
  }
  const memsw = await Deno.lstat(`${memory}/memory.memsw.limit_in_bytes`).then(
    () => true,
    () => false,
  );
  return { version: 1, base: { memory, cpu, pids, cpuacct: cpuacct ?? null }, memsw };
}

/** Mount directory for a cgroup path, accounting for a mount whose root is a subtree. */
function joinCgroupPath(mount: Mount, path: string): string {
  let rel = path;
  if (mount.root !== "/" && (path === mount.root || path.startsWith(mount.root + "/"))) {
    rel = path.slice(mount.root.length);
  }
  rel = rel.replace(/\/+$/, "");
  return rel === "" || rel === "/" ? mount.mountpoint : `${mount.mountpoint}${rel}`;
}

/** Parses /proc/self/mountinfo; see proc(5). */
export function parseMountinfo(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split("\n")) {
    const dash = line.indexOf(" - ");
    if (dash < 0) continue;
    const left = line.slice(0, dash).split(" ");
    const right = line.slice(dash + 3).split(" ");
    const [fstype, , superOpts] = right;
    if (fstype !== "cgroup" && fstype !== "cgroup2") continue;
    out.push({
      root: unescapeMount(left[3] ?? "/"),
      mountpoint: unescapeMount(left[4] ?? ""),
      fstype,
      superOptions: (superOpts ?? "").split(","),
    });
  }
  return out;
}

/** Parses /proc/self/cgroup into controller-list → path ("" for the v2 line). */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const first = line.indexOf(":");
    const second = line.indexOf(":", first + 1);
    if (first < 0 || second < 0) continue;
    out.set(line.slice(first + 1, second), line.slice(second + 1));
  }
  return out;
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

async function readOr(path: string, fallback = ""): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return fallback;
  }
}

/** Finds helper programs by absolute path, so a cleared environment cannot misdirect them. */
export async function findTools(searchPath?: string[]): Promise<LimitTools> {
  const dirs = searchPath ?? defaultSearchPath();
  return {
    sh: await findExecutable("sh", dirs),
    prlimit: await findExecutable("prlimit", dirs),
    setpriv: await findExecutable("setpriv", dirs),
    env: await findExecutable("env", dirs),
  };
}

function defaultSearchPath(): string[] {
  let fromEnv: string[] = [];
  try {
    fromEnv = (Deno.env.get("PATH") ?? "").split(":").filter((d) => d.startsWith("/"));
  } catch {
    // no env permission: the usual system dirs below still apply
  }
  return [...new Set([...fromEnv, "/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"])];
}

/** Absolute path of an executable regular file named `name` in `dirs`, or null. */
export async function findExecutable(name: string, dirs: string[]): Promise<string | null> {
  if (name.includes("/")) return await isExecutable(name) ? name : null;
  for (const dir of dirs) {
    const candidate = `${dir}/${name}`;
    if (await isExecutable(candidate)) return candidate;
  }
  return null;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    const info = await Deno.stat(path);
    return info.isFile && ((info.mode ?? 0) & 0o111) !== 0;
  } catch {
    return false;
  }
}
