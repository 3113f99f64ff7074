/**
 * The approval record of an installed plugin: what the operator approved when it was installed
 * (or last updated) with `deno task plugins install|update`, kept beside its file as
 * `<installed dir>/<name>.approval.json`. The manager launches an installed plugin only if its
 * file still has the approved SHA-256 and it declares nothing beyond the approval, and grants it
 * only what was approved: `rosey.yaml` can narrow an approval, never widen it.
 */
import { z } from "zod";
import { parseResourceLimits } from "../limits/mod.ts";
import type { PluginDescription } from "../sdk/mod.ts";
import type { PluginSettings } from "./settings.ts";

/** The permissions a plugin asks for, in one flat shape (the review, the index, the record). */
export const PermissionSetSchema = z.strictObject({
  /** Command words (names and aliases), without the prefix. */
  commands: z.array(z.string()).default([]),
  /** Event types it reads besides `message`. */
  events: z.array(z.string()).default([]),
  /** `host:port` it may dial (`*` = whatever the operator grants). */
  net: z.array(z.string()).default([]),
  publish: z.array(z.string()).default([]),
  subscribe: z.array(z.string()).default([]),
  /** Exact `npm:name@version` it imports. */
  npm: z.array(z.string()).default([]),
  /** Memory it asks for, MiB (absent: the default limit). */
  memoryMb: z.number().int().positive().optional(),
  /** Its data dir quota, MiB. */
  storageMb: z.number().int().positive().optional(),
});
export type PermissionSet = z.infer<typeof PermissionSetSchema>;

export const ApprovalRecordSchema = z.strictObject({
  name: z.string(),
  version: z.string(),
  /** Where it came from: a file path, a URL, or `index <url>`. */
  source: z.string(),
  /** Hex SHA-256 of the installed file. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The publisher key whose signature was verified; null when installed with `--unsigned`. */
  publisher: z.string().nullable(),
  approvedAt: z.string(),
  /** What it may do: its grants and limits never go beyond this. */
  approved: PermissionSetSchema,
  /**
   * What it asked for when the operator reviewed it (a superset of `approved` when some asks
   * were declined); a launch that declares anything beyond this is refused. Absent: `approved`.
   */
  requested: PermissionSetSchema.optional(),
});
export type ApprovalRecord = z.infer<typeof ApprovalRecordSchema>;

/** `<dir>/<name>.approval.json`. */
export function approvalFileOf(installedDir: string, name: string): string {
  return `${installedDir}/${name}.approval.json`;
}

/** Reads a record; null when there is none. Throws when it exists but is not a record. */
export async function readApproval(
  installedDir: string,
  name: string,
): Promise<ApprovalRecord | null> {
  const file = approvalFileOf(installedDir, name);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  const parsed = ApprovalRecordSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(
      `${file} is not an approval record (${parsed.error.issues[0]?.message}); ` +
        `reinstall the plugin with \`deno task plugins install\``,
    );
  }
  return parsed.data;
}

/** Writes a record (the manager's, 0644: plugins may read their own approval, never write it). */
export async function writeApproval(installedDir: string, record: ApprovalRecord): Promise<void> {
  const file = approvalFileOf(installedDir, record.name);
  await Deno.writeTextFile(`${file}.tmp`, JSON.stringify(record, null, 2) + "\n", { mode: 0o644 });
  await Deno.rename(`${file}.tmp`, file);
}

/** What a plugin's description asks for, as a permission set. */
export function requestedPermissions(
  description: PluginDescription,
  npm: readonly string[] = [],
): PermissionSet {
  const m = description.manifest;
  return {
    commands: m.commands.flatMap((c) => [c.name, ...c.aliases]),
    events: [...m.events],
    net: [...(description.extras.net ?? [])],
    publish: [...(description.extras.publish ?? [])],
    subscribe: [...(description.extras.subscribe ?? [])],
    npm: [...npm],
    ...(description.extras.memoryMb !== undefined ? { memoryMb: description.extras.memoryMb } : {}),
  };
}

/**
 * What `asked` holds beyond `approved`, one plain line each (`net api.x:443`, `command !roll`);
 * empty when it stays within.
 */
export function beyondApproval(asked: PermissionSet, approved: PermissionSet): string[] {
  const out: string[] = [];
  const extra = (what: string, a: readonly string[], b: readonly string[]) => {
    for (const item of a) if (!b.includes(item)) out.push(`${what} ${item}`);
  };
  extra("command", asked.commands.map((w) => `!${w}`), approved.commands.map((w) => `!${w}`));
  extra("event", asked.events, approved.events);
  extra("net", asked.net, approved.net);
  extra("publish", asked.publish, approved.publish);
  extra("subscribe", asked.subscribe, approved.subscribe);
  extra("npm", asked.npm, approved.npm);
  if (asked.memoryMb !== undefined && asked.memoryMb > (approved.memoryMb ?? 0)) {
    out.push(`memory ${asked.memoryMb} MiB`);
  }
  if (asked.storageMb !== undefined && asked.storageMb > (approved.storageMb ?? 0)) {
    out.push(`storage ${asked.storageMb} MiB`);
  }
  return out;
}

/**
 * The settings an installed plugin runs with: the grants and limits of `rosey.yaml` narrowed to
 * the approval, and the approval's grants where the file names none (approving at install is
 * the grant). Nothing beyond the approval survives.
 */
export function settingsWithinApproval(
  settings: PluginSettings,
  record: ApprovalRecord,
): PluginSettings {
  const a = record.approved;
  const g = settings.grants;
  const narrow = (configured: readonly string[], approved: readonly string[]) =>
    configured.length > 0 ? configured.filter((x) => approved.includes(x)) : [...approved];
  // A granted `*` host means "whatever the operator grants": only config names hosts for it.
  const net = a.net.includes("*") ? g.net : narrow(g.net, a.net);
  const limits = settings.resourceLimits;
  const configured = settings.limits as { memoryMb?: number; dataMb?: number };
  // The approved figure when there is one, else the default: config may only lower it.
  const defaults = parseResourceLimits({}, "defaults");
  const memoryCap = a.memoryMb ?? defaults.memoryMb;
  const dataCap = a.storageMb ?? defaults.dataMb;
  const memoryMb = Math.min(configured.memoryMb ?? memoryCap, memoryCap);
  const dataMb = Math.min(configured.dataMb ?? dataCap, dataCap);
  return {
    ...settings,
    grants: {
      net,
      publish: narrow(g.publish, a.publish),
      subscribe: narrow(g.subscribe, a.subscribe),
      npm: narrow(g.npm, a.npm),
    },
    limits: { ...settings.limits, ...(a.memoryMb !== undefined ? { memoryMb } : {}), dataMb },
    resourceLimits: { ...limits, memoryMb, dataMb },
  };
}

/** Hex SHA-256 of bytes. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}
