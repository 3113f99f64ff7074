/**
 * A deno executable every plugin uid can run. `npx -y deno` runs Deno from
 * `~/.npm/_npx/<hash>/node_modules/deno/deno`; for root that is under `/root` (mode 0700), so a
 * plugin uid cannot even start it, and without this every plugin would fall back to the
 * manager's uid. The executable is hard-linked (or, across file systems, copied) into a folder
 * the manager owns with mode 0755, and that copy is what plugins run.
 *
 * A hard link shares the source's inode, so it is current by construction; a copy carries the
 * source's size and mtime, and a copy whose size or mtime differ from the source's (the source
 * was upgraded) is replaced. Replacement writes a temporary file and renames it over the old one,
 * so a plugin being started at that moment runs either the old or the new file, never half of one.
 *
 * @module
 */
import { checkPathAccess, type PathProblem } from "./path_access.ts";
import type { UidAssignment } from "./uid_pool.ts";

/** What {@linkcode reachableExecutable} settled on. */
export interface ReachableExecutable {
  /** The executable plugins should run: the source itself, or the placed copy. */
  path: string;
  /** How it got there: the source was reachable already, or it was linked, copied or reused. */
  placed: "source" | "linked" | "copied" | "reused";
  /** When plugin uids still cannot run it: why, with a way out (then `path` is the source). */
  problem: PathProblem | null;
}

export interface ReachableExecutableOptions {
  /** Folder for the copy; created 0755. Its ancestors must be traversable (see RuntimeLayout). */
  dir: string;
  /** A plugin identity to check reachability for (any uid that is not the file's owner). */
  who: UidAssignment;
}

/**
 * Returns an executable with the same bytes as `source` that `options.who` can run: `source`
 * itself when that uid can reach it, else a hard link or copy in `options.dir` (file name kept).
 * Never throws for an unreachable result: `problem` says what blocks it and how to fix it.
 *
 * @example
 * ```ts ignore
 * const deno = await reachableExecutable(Deno.execPath(), {
 *   dir: "/srv/bot/.rosey/plugins/.runtime/bin",
 *   who: { uid: 61000, gid: 61000 },
 * });
 * // deno.path: "/srv/bot/.rosey/plugins/.runtime/bin/deno" when Deno came from `npx -y deno`
 * ```
 */
export async function reachableExecutable(
  source: string,
  options: ReachableExecutableOptions,
): Promise<ReachableExecutable> {
  const target = { access: ["execute" as const], role: "deno executable" };
  const direct = await checkPathAccess([{ path: source, ...target }], options.who);
  if (direct.ok) return { path: source, placed: "source", problem: null };

  const real = await Deno.realPath(source);
  const name = real.slice(real.lastIndexOf("/") + 1);
  const dest = `${options.dir.replace(/\/+$/, "")}/${name}`;
  let placed: ReachableExecutable["placed"];
  try {
    placed = await place(real, dest, options.dir);
  } catch (error) {
    return {
      path: source,
      placed: "source",
      problem: {
        path: source,
        blockedAt: direct.problems[0]?.blockedAt ?? source,
        message: `${direct.problems[0]?.message ?? source} Copying it to ${dest} failed ` +
          `(${
            String(error)
          }); install Deno where every user can run it (e.g. npm install -g deno).`,
      },
    };
  }
  const check = await checkPathAccess([{ path: dest, ...target }], options.who);
  return check.ok
    ? { path: dest, placed, problem: null }
    : { path: source, placed: "source", problem: check.problems[0]! };
}

async function place(
  source: string,
  dest: string,
  dir: string,
): Promise<ReachableExecutable["placed"]> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.chmod(dir, 0o755);
  const from = await Deno.stat(source);
  const existing = await Deno.stat(dest).catch(() => null);
  if (existing && sameFile(from, existing) && ((existing.mode ?? 0) & 0o005) === 0o005) {
    return "reused";
  }
  const temp = `${dir}/.${dest.slice(dir.length + 1)}.${Deno.pid}.${crypto.randomUUID()}.tmp`;
  let placed: "linked" | "copied" = "copied";
  try {
    // A link only helps when the file itself is world-executable (its mode is shared).
    if (((from.mode ?? 0) & 0o005) === 0o005) {
      await Deno.link(source, temp);
      placed = "linked";
    }
  } catch {
    // another file system (EXDEV) or links not allowed: copy instead
  }
  try {
    if (placed === "copied") {
      await Deno.copyFile(source, temp);
      await Deno.chmod(temp, 0o755);
      // The copy's mtime is the source's: how a later start tells a current copy from a stale one.
      await Deno.utime(temp, from.atime ?? new Date(), from.mtime ?? new Date());
    }
    await Deno.rename(temp, dest);
  } catch (error) {
    await Deno.remove(temp).catch(() => undefined);
    throw error;
  }
  return placed;
}

/** The same inode, or a copy with the source's size and mtime. */
function sameFile(a: Deno.FileInfo, b: Deno.FileInfo): boolean {
  if (a.dev === b.dev && a.ino !== null && a.ino === b.ino) return true;
  return a.size === b.size && a.mtime !== null && b.mtime !== null &&
    a.mtime.getTime() === b.mtime.getTime();
}
