/**
 * The installed-plugins folder (`.rosey/installed`), owned by the manager and the
 * `deno task plugins` CLI, never writable by a plugin uid:
 *
 * ```
 * <dir>/                       0755: plugin uids read their own file to load it
 *   <name>.ts                  the installed file (0644)
 *   <name>.approval.json       what the operator approved (approval.ts)
 *   .staged/<name>.*           an update waiting for the running bot to switch to it
 *   .previous/<name>.*         the version an update replaced, until the new one is running
 * ```
 */
import {
  approvalFileOf,
  type ApprovalRecord,
  readApproval,
  sha256Hex,
  writeApproval,
} from "./approval.ts";
import { PluginManagerError } from "./errors.ts";

export interface InstalledFiles {
  readonly dir: string;
  fileOf(name: string): string;
  /** Whether `<name>.ts` is installed here. */
  has(name: string): Promise<boolean>;
  /** The approval of an installed plugin; throws when it has none. */
  approval(name: string): Promise<ApprovalRecord>;
  /** Writes the file and its approval (a fresh install, or an update while the bot is down). */
  put(record: ApprovalRecord, code: Uint8Array): Promise<void>;
  /** Writes an update for the running bot to switch to. */
  stage(record: ApprovalRecord, code: Uint8Array): Promise<void>;
  /** The staged approval, after checking the staged file is the approved bytes. */
  stagedApproval(name: string): Promise<ApprovalRecord>;
  /** current -> .previous, .staged -> current. */
  promoteStaged(name: string): Promise<void>;
  /** .previous -> current (a failed update). */
  restorePrevious(name: string): Promise<void>;
  dropPrevious(name: string): Promise<void>;
  /** Deletes the file, its approval and anything staged. */
  remove(name: string): Promise<void>;
}

export function installedFiles(dir: string): InstalledFiles {
  const staged = `${dir}/.staged`;
  const previous = `${dir}/.previous`;
  const pair = (folder: string, name: string) =>
    [
      `${folder}/${name}.ts`,
      approvalFileOf(folder, name),
    ] as const;
  const move = async (from: string, to: string, name: string) => {
    const [fromCode, fromRecord] = pair(from, name);
    const [toCode, toRecord] = pair(to, name);
    await Deno.rename(fromCode, toCode);
    await Deno.rename(fromRecord, toRecord);
  };
  const ensure = async (folder: string) => {
    await Deno.mkdir(folder, { recursive: true });
    await Deno.chmod(folder, folder === dir ? 0o755 : 0o700);
  };
  const write = async (folder: string, record: ApprovalRecord, code: Uint8Array) => {
    await ensure(dir);
    await ensure(folder);
    const file = `${folder}/${record.name}.ts`;
    await Deno.writeFile(`${file}.tmp`, code, { mode: 0o644 });
    await Deno.chmod(`${file}.tmp`, 0o644);
    await Deno.rename(`${file}.tmp`, file);
    await writeApproval(folder, record);
  };
  const removeQuietly = (path: string) =>
    Deno.remove(path).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  return {
    dir,
    fileOf: (name) => `${dir}/${name}.ts`,
    has: (name) => Deno.stat(`${dir}/${name}.ts`).then(() => true, () => false),
    async approval(name) {
      const record = await readApproval(dir, name);
      if (!record) {
        throw new PluginManagerError(
          `${dir}/${name}.ts has no approval record; install it with \`deno task plugins install\``,
        );
      }
      return record;
    },
    put: (record, code) => write(dir, record, code),
    stage: (record, code) => write(staged, record, code),
    async stagedApproval(name) {
      const record = await readApproval(staged, name);
      if (!record) throw new PluginManagerError(`no update of ${name} is staged`);
      const sha = await sha256Hex(await Deno.readFile(`${staged}/${name}.ts`));
      if (sha !== record.sha256) {
        throw new PluginManagerError(
          `the staged update of ${name} has SHA-256 ${sha}, not the approved ${record.sha256}; ` +
            `run \`deno task plugins update ${name}\` again`,
        );
      }
      return record;
    },
    async promoteStaged(name) {
      await ensure(previous);
      await move(dir, previous, name);
      await move(staged, dir, name);
    },
    restorePrevious: (name) => move(previous, dir, name),
    async dropPrevious(name) {
      for (const path of pair(previous, name)) await removeQuietly(path);
    },
    async remove(name) {
      for (const folder of [dir, staged, previous]) {
        for (const path of pair(folder, name)) await removeQuietly(path);
      }
    },
  };
}
