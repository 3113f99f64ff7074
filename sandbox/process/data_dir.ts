/**
 * A plugin's data directory: created mode 0700, owned by the plugin's uid, and free of symlinks.
 * Deno follows symlinks that already sit inside an allowed directory (measured: a link to
 * /etc/passwd was readable and a link to an outside file was writable), and a plugin cannot
 * create one itself, so checking before each launch closes that hole.
 *
 * @module
 */
import type { UidAssignment } from "./uid_pool.ts";
import { DataDirError, SymlinkInDataDirError } from "./errors.ts";
import { checkPathAccess, type PathProblem } from "./path_access.ts";

/**
 * Every symlink under `dir` (and `dir` itself if it is one), found with lstat semantics: links
 * are reported, never followed.
 *
 * @example
 * ```ts
 * import { findSymlinks } from "./data_dir.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.symlink("/etc/passwd", `${dir}/link`);
 * console.assert((await findSymlinks(dir)).length === 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function findSymlinks(dir: string): Promise<string[]> {
  const found: string[] = [];
  const top = await Deno.lstat(dir);
  if (top.isSymlink) return [dir];
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    // readDir reports each entry's own type (d_type / lstat), so links are never traversed.
    for await (const entry of Deno.readDir(current)) {
      const path = `${current}/${entry.name}`;
      if (entry.isSymlink) found.push(path);
      else if (entry.isDirectory) pending.push(path);
    }
  }
  return found.sort();
}

/** Removes (unlinks) every symlink under `dir`; returns what it removed. Targets are untouched. */
export async function removeSymlinks(dir: string): Promise<string[]> {
  const links = await findSymlinks(dir);
  if (links.includes(dir)) {
    throw new DataDirError(dir, "is itself a symlink; replace it with a real directory");
  }
  for (const link of links) await Deno.remove(link);
  return links;
}

export interface PrepareDataDirOptions {
  /** The plugin's uid/gid; the dir (and its contents) are chowned to it. Null: leave owner. */
  uid?: UidAssignment | null;
  /** What to do with symlinks inside: throw {@linkcode SymlinkInDataDirError} (default) or remove. */
  symlinks?: "refuse" | "remove";
  /** Re-own existing contents to `uid` (after a uid change). Default true. */
  chownContents?: boolean;
}

export interface PreparedDataDir {
  path: string;
  created: boolean;
  removedSymlinks: string[];
  /** Files left with their old owner because they have other hard links (see below). */
  skippedHardLinks: string[];
  /** Why the plugin uid could not reach or use the directory; empty when fine. */
  accessProblems: PathProblem[];
}

/**
 * Creates or checks a plugin's data dir: mode 0700, owned by `uid`, no symlinks inside.
 *
 * Hard links: re-owning a file with other links would re-own that inode wherever else it is
 * linked (e.g. a planted hard link to a system file), so such files are skipped and reported.
 */
export async function prepareDataDir(
  dir: string,
  options: PrepareDataDirOptions = {},
): Promise<PreparedDataDir> {
  let created = false;
  try {
    const info = await Deno.lstat(dir);
    if (info.isSymlink) {
      throw new DataDirError(dir, "is a symlink; the data dir must be a real directory");
    }
    if (!info.isDirectory) throw new DataDirError(dir, "exists and is not a directory");
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    try {
      await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    } catch (mkdirErr) {
      throw new DataDirError(dir, `cannot create it: ${String(mkdirErr)}`, { cause: mkdirErr });
    }
    created = true;
  }
  let removedSymlinks: string[] = [];
  const links = await findSymlinks(dir);
  if (links.length > 0) {
    if ((options.symlinks ?? "refuse") === "refuse") throw new SymlinkInDataDirError(dir, links);
    removedSymlinks = await removeSymlinks(dir);
  }
  await Deno.chmod(dir, 0o700); // mkdir's mode is filtered by umask; chmod is not
  const skippedHardLinks: string[] = [];
  const uid = options.uid ?? null;
  if (uid !== null) {
    try {
      await Deno.chown(dir, uid.uid, uid.gid);
      if (options.chownContents ?? true) await chownTree(dir, uid, skippedHardLinks);
    } catch (err) {
      throw new DataDirError(dir, `cannot hand it to uid ${uid.uid}: ${String(err)}`, {
        cause: err,
      });
    }
  }
  const accessProblems = uid === null
    ? []
    : (await checkPathAccess([{ path: dir, access: ["read", "write", "execute"] }], uid))
      .problems;
  return { path: dir, created, removedSymlinks, skippedHardLinks, accessProblems };
}

/** The uid owning `dir`, or null if it does not exist: pass it as `preferUid` to the pool. */
export async function dataDirOwner(dir: string): Promise<number | null> {
  try {
    return (await Deno.lstat(dir)).uid;
  } catch {
    return null;
  }
}

async function chownTree(dir: string, id: UidAssignment, skipped: string[]): Promise<void> {
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    for await (const entry of Deno.readDir(current)) {
      const path = `${current}/${entry.name}`;
      const info = await Deno.lstat(path);
      if (info.isSymlink) continue; // cannot happen after the symlink check; never follow
      if (info.isDirectory) pending.push(path);
      if (info.uid === id.uid && info.gid === id.gid) continue;
      if (!info.isDirectory && (info.nlink ?? 1) > 1) {
        skipped.push(path);
        continue;
      }
      await Deno.chown(path, id.uid, id.gid);
    }
  }
}
