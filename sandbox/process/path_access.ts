/**
 * Can a plugin uid reach the files it needs (the deno binary, the plugin file, DENO_DIR,
 * node_modules, its data dir)? Checked from mode bits before launch, so the manager can say
 * exactly which directory blocks it (typically /root, mode 0700, when the checkout or the deno
 * cache lives there) and fall back to the manager's uid with a reason instead of a cryptic
 * "Permission denied (os error 13)" from inside the plugin.
 *
 * The check uses owner/group/other bits with the plugin's single gid (we launch with
 * `setpriv --clear-groups`); ACLs are not read, so a path opened up by an ACL reports a false
 * problem, never a false pass.
 *
 * @module
 */
import type { UidAssignment } from "./uid_pool.ts";

/** For a directory: read = list, write = create files, execute = enter. */
export type AccessKind = "read" | "write" | "execute";

export interface AccessTarget {
  path: string;
  access: AccessKind[];
  /** What the path is for, quoted in messages (e.g. "DENO_DIR"). */
  role?: string;
  /** For directories: also check everything below, up to `deepLimit` entries (default 5000). */
  deep?: boolean;
  deepLimit?: number;
}

export interface PathProblem {
  /** The path that was asked about. */
  path: string;
  /** The path that blocks it (an ancestor directory, or the path itself). */
  blockedAt: string;
  /** Plain-words explanation with a way out. */
  message: string;
}

export interface AccessReport {
  ok: boolean;
  problems: PathProblem[];
}

const BITS: Record<AccessKind, number> = { read: 4, write: 2, execute: 1 };

/**
 * Checks that `who` can traverse to and use each target. Symlinks are resolved and both the
 * given path's and the real path's ancestors are checked (e.g. /usr/bin/deno ->
 * /usr/lib/node_modules/deno/deno).
 *
 * @example
 * ```ts
 * import { checkPathAccess } from "./path_access.ts";
 * const report = await checkPathAccess(
 *   [{ path: "/root/.cache", access: ["read", "execute"], role: "DENO_DIR" }],
 *   { uid: 61000, gid: 61000 },
 * );
 * for (const p of report.problems) console.log(p.message);
 * ```
 */
export async function checkPathAccess(
  targets: readonly AccessTarget[],
  who: UidAssignment,
): Promise<AccessReport> {
  const problems: PathProblem[] = [];
  for (const target of targets) {
    const problem = await checkOne(target, who);
    if (problem) problems.push(problem);
    else if (target.deep) problems.push(...await checkDeep(target, who));
  }
  return { ok: problems.length === 0, problems };
}

async function checkOne(target: AccessTarget, who: UidAssignment): Promise<PathProblem | null> {
  const role = target.role ? ` (${target.role})` : "";
  const absolute = target.path.startsWith("/") ? target.path : `${Deno.cwd()}/${target.path}`;
  let real: string;
  try {
    real = await Deno.realPath(absolute);
  } catch (err) {
    return {
      path: target.path,
      blockedAt: target.path,
      message: `${target.path}${role} cannot be resolved: ${String(err)}`,
    };
  }
  for (const path of new Set([...ancestors(absolute), ...ancestors(real)])) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(path);
    } catch {
      continue; // a dangling intermediate link shows up when `real` is checked
    }
    if (!permits(info, who, BITS.execute)) {
      return {
        path: target.path,
        blockedAt: path,
        message: `${path} is mode ${modeText(info)} owned by uid ${info.uid}: uid ${who.uid} ` +
          `cannot enter it, so it cannot reach ${target.path}${role}. Fix: chmod o+x ${path} ` +
          `(others may pass through it, not list it), or move ${target.path} to a path every ` +
          `plugin uid can traverse (e.g. under /opt or /var/lib).`,
      };
    }
  }
  const info = await Deno.stat(real);
  const missing = target.access.filter((a) => !permits(info, who, BITS[a]));
  if (missing.length > 0) {
    return {
      path: target.path,
      blockedAt: real,
      message: `${real}${role} is mode ${modeText(info)} owned by uid ${info.uid}:${info.gid}; ` +
        `uid ${who.uid} lacks ${missing.join("+")} access. Change its mode or owner, or run ` +
        `plugins under the manager's uid.`,
    };
  }
  return null;
}

async function checkDeep(target: AccessTarget, who: UidAssignment): Promise<PathProblem[]> {
  const problems: PathProblem[] = [];
  const limit = target.deepLimit ?? 5000;
  const pending = [await Deno.realPath(target.path)];
  let seen = 0;
  while (pending.length > 0 && seen < limit && problems.length < 10) {
    const dir = pending.pop()!;
    try {
      for await (const entry of Deno.readDir(dir)) {
        if (++seen > limit) break;
        const path = `${dir}/${entry.name}`;
        const info = await Deno.lstat(path);
        if (info.isSymlink) continue;
        // Deno needs to read files and to read+enter directories of a cache or node_modules.
        const need = info.isDirectory ? BITS.read | BITS.execute : BITS.read;
        if (!permits(info, who, need)) {
          problems.push({
            path: target.path,
            blockedAt: path,
            message:
              `${path} (inside ${target.role ?? target.path}) is mode ${
                modeText(info)
              } owned by uid ${info.uid}; uid ${who.uid} cannot read it. Make the tree world-readable ` +
              `(chmod -R a+rX) or run plugins under the manager's uid.`,
          });
        } else if (info.isDirectory) pending.push(path);
      }
    } catch {
      // unreadable directory: already reported by its parent's check
    }
  }
  return problems;
}

/** Whether mode bits give `who` all of `bits` (4 read, 2 write, 1 execute). */
export function permits(info: Deno.FileInfo, who: UidAssignment, bits: number): boolean {
  const mode = info.mode ?? 0;
  if (who.uid === 0) {
    // root skips read/write checks; execute on a file still needs some x bit.
    return (bits & BITS.execute) === 0 || info.isDirectory || (mode & 0o111) !== 0;
  }
  const shift = info.uid === who.uid ? 6 : info.gid === who.gid ? 3 : 0;
  return (((mode >> shift) & 7) & bits) === bits;
}

function ancestors(path: string): string[] {
  const parts = path.split("/").filter(Boolean);
  const out = ["/"];
  for (let i = 1; i < parts.length; i++) out.push("/" + parts.slice(0, i).join("/"));
  return out;
}

function modeText(info: Deno.FileInfo): string {
  return "0" + ((info.mode ?? 0) & 0o7777).toString(8);
}

/** Where a plugin's files live, for {@linkcode pluginAccessTargets}. */
export interface PluginPaths {
  /** The deno executable the plugin runs (e.g. `Deno.execPath()`). */
  denoExecutable: string;
  pluginFile: string;
  dataDir?: string;
  /** The DENO_DIR given to the plugin; read access is enough (measured: Deno runs from a read-only one). */
  denoDir?: string;
  /** A node_modules the plugin loads npm packages from. */
  nodeModules?: string;
}

/** The usual checks before launching a plugin under its own uid. */
export function pluginAccessTargets(paths: PluginPaths): AccessTarget[] {
  const targets: AccessTarget[] = [
    { path: paths.denoExecutable, access: ["execute"], role: "deno executable" },
    { path: paths.pluginFile, access: ["read"], role: "plugin file" },
  ];
  if (paths.dataDir) {
    targets.push({ path: paths.dataDir, access: ["read", "write", "execute"], role: "data dir" });
  }
  if (paths.denoDir) {
    targets.push({ path: paths.denoDir, access: ["read", "execute"], role: "DENO_DIR" });
  }
  if (paths.nodeModules) {
    targets.push({
      path: paths.nodeModules,
      access: ["read", "execute"],
      role: "node_modules",
      deep: true,
    });
  }
  return targets;
}
