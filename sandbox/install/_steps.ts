/**
 * The steps install and update share: the signature gate, the inspection (the same vetting and
 * sandboxed description the manager does), command-word collisions, and the approval.
 */
import {
  beyondApproval,
  checkPlugin,
  type InstalledFiles,
  type PermissionSet,
  type PluginSettings,
  type PluginSettingsInput,
  requestedPermissions,
} from "../manager/mod.ts";
import type { PluginDescription } from "../sdk/mod.ts";
import type { BotAdmin } from "./bot_admin.ts";
import { InstallError } from "./errors.ts";
import type { Collision } from "./review.ts";
import type { FetchedPlugin } from "./source.ts";
import { type SignatureStatus, verifySignature } from "./signature.ts";

/**
 * What an install reads of the assembled `rosey.yaml` (app/config.ts `QuicksilverConfig` has
 * this shape; the sandbox does not import the composition root).
 */
export interface InstallConfig {
  plugins: {
    /** Absolute path of the plugins folder. */
    dir: string;
    trust: string[];
    indexes: string[];
    settings: Record<string, Omit<PluginSettings, "resourceLimits">>;
  };
  router: { commandOwners: Record<string, string> };
}

/** What the install, update and remove flows work with. */
export interface InstallContext {
  config: InstallConfig;
  /** The bot's state dir (`.rosey`). */
  stateDir: string;
  /** The NATS server plugins dial (for the inspection's plan). */
  server: string;
  /** `--yes`: approve only what rosey.yaml grants, without asking. */
  yes: boolean;
  /** `--unsigned`: accept a file no trusted publisher signed. */
  unsigned: boolean;
  /** Asks the operator a yes/no question. */
  confirm: (question: string) => Promise<boolean>;
  /** Prints a line for the operator. */
  say: (text: string) => void;
  /** The running bot, or null when none runs (the files are then all there is). */
  bot: BotAdmin | null;
  files: InstalledFiles;
}

/** Refuses a file no trusted publisher signed, unless `--unsigned`. */
export function signatureGate(fetched: FetchedPlugin, ctx: InstallContext): SignatureStatus {
  const status = verifySignature(fetched.sha256, fetched.signed, ctx.config.plugins.trust);
  if (status.kind === "trusted" || ctx.unsigned) return status;
  const why = status.kind === "unsigned"
    ? `${fetched.name} is not signed`
    : status.kind === "bad"
    ? `${fetched.name}'s signature does not match the file (it claims publisher ${status.publisher})`
    : `${fetched.name} is signed by ${status.publisher}, who is not in plugins.trust (add the ` +
      `key there if you trust this publisher)`;
  throw new InstallError(
    "unsigned",
    `${why}. Not installed; pass --unsigned to install it anyway if you trust where it came from`,
  );
}

/** What the inspection found. */
export interface Inspection {
  description: PluginDescription;
  requested: PermissionSet;
}

/**
 * Runs `plugins check` on the fetched bytes: module vetting, the definition loaded with no
 * permissions, the launch plan. Refuses what the manager would refuse, and a file that asks for
 * more than its index entry lists.
 */
export async function inspect(fetched: FetchedPlugin, ctx: InstallContext): Promise<Inspection> {
  const temp = await Deno.makeTempDir({ prefix: "quicksilver-install-" });
  try {
    const file = `${temp}/${fetched.name}.ts`;
    await Deno.writeFile(file, fetched.code);
    const settings = (ctx.config.plugins.settings[fetched.name] ?? {}) as PluginSettingsInput;
    const report = await checkPlugin(file, { settings, servers: ctx.server });
    if (!report.ok || !report.description || !report.plan) {
      throw new InstallError(
        "refused",
        `${fetched.name} would not be allowed to run: ${report.problems.join("; ")}`,
      );
    }
    const npm = report.plan.granted.npm.filter((pkg) =>
      report.modules.some((m) => m.startsWith(pkg.replace(/^npm:/, "npm:/")) || m.startsWith(pkg))
    );
    const requested: PermissionSet = {
      ...requestedPermissions(report.description, npm),
      storageMb: report.plan.limits.dataMb,
    };
    if (fetched.entry) {
      const { storageMb: _, ...asked } = requested;
      const beyond = beyondApproval({ ...asked, npm: [] }, {
        ...fetched.entry.permissions,
        npm: [],
      });
      if (beyond.length > 0) {
        throw new InstallError(
          "refused",
          `${fetched.name} asks for more than its index entry lists (${beyond.join(", ")}); ` +
            `not installed. Tell the index's maintainer`,
        );
      }
    }
    return { description: report.description, requested };
  } finally {
    await Deno.remove(temp, { recursive: true }).catch(() => undefined);
  }
}

/**
 * Command words of `words` held by another plugin: the remembered owners of the router
 * (`<stateDir>/command-owners.json`), the running bot's plugins, and installed plugins.
 */
export async function findCollisions(
  name: string,
  words: readonly string[],
  ctx: InstallContext,
): Promise<Collision[]> {
  const holders = new Map<string, string>();
  try {
    const file = JSON.parse(await Deno.readTextFile(`${ctx.stateDir}/command-owners.json`));
    for (const [word, plugin] of Object.entries(file?.owners ?? {})) {
      if (typeof plugin === "string") holders.set(word, plugin);
    }
  } catch {
    // No router ran yet: nothing remembered.
  }
  for (const status of await ctx.bot?.list() ?? []) {
    for (const c of status.manifest?.commands ?? []) {
      for (const word of [c.name, ...c.aliases]) {
        if (!holders.has(word)) holders.set(word, status.name);
      }
    }
  }
  const entries = await Array.fromAsync(Deno.readDir(ctx.files.dir)).catch(() => []);
  for (const entry of entries) {
    if (!entry.name.endsWith(".approval.json")) continue;
    const other = entry.name.slice(0, -".approval.json".length);
    if (other === name) continue;
    const record = await ctx.files.approval(other).catch(() => null);
    for (const word of record?.approved.commands ?? []) {
      if (!holders.has(word)) holders.set(word, other);
    }
  }
  const owners = ctx.config.router.commandOwners;
  const out: Collision[] = [];
  for (const word of words) {
    const holder = holders.get(word);
    if (!holder || holder === name) continue;
    out.push({ word, holder, ...(owners[word] ? { configuredOwner: owners[word] } : {}) });
  }
  return out;
}

/** Refuses when a collision has no owner named in `router.commandOwners`. */
export function collisionGate(name: string, collisions: readonly Collision[]): void {
  const open = collisions.filter((c) => !c.configuredOwner);
  if (open.length === 0) return;
  const first = open[0]!;
  throw new InstallError(
    "collision",
    `${name}'s command${open.length > 1 ? "s" : ""} ${
      open.map((c) => `!${c.word} (${c.holder}'s)`).join(", ")
    } collide with installed plugins. Not installed. Say who owns the word in rosey.yaml, ` +
      `router.commandOwners: { ${first.word}: ${first.holder} } to keep it ${first.holder}'s ` +
      `(${name} then answers its other commands), or { ${first.word}: ${name} } to hand it over ` +
      `(restart the bot for that), then install again`,
  );
}

/**
 * What `--yes` approves: the commands and events as declared, and of the extras only those
 * `plugins.<name>` in rosey.yaml grants. Returns the approval and what it leaves out.
 */
export function approveFromConfig(
  name: string,
  requested: PermissionSet,
  ctx: InstallContext,
): { approved: PermissionSet; declined: string[] } {
  const settings = ctx.config.plugins.settings[name];
  const grants = settings?.grants ?? { net: [], publish: [], subscribe: [], npm: [] };
  const declined: string[] = [];
  const keep = (what: string, asked: readonly string[], granted: readonly string[]) =>
    asked.filter((item) => {
      const ok = granted.includes(item) || (what === "net" && item === "*");
      if (!ok) declined.push(`${what} ${item}`);
      return ok;
    });
  const configured = settings?.limits.memoryMb;
  const memory = typeof configured === "number" ? configured : undefined;
  if (requested.memoryMb !== undefined && memory === undefined) {
    declined.push(`memory ${requested.memoryMb} MB`);
  }
  const approved: PermissionSet = {
    commands: [...requested.commands],
    events: [...requested.events],
    net: keep("net", requested.net, grants.net),
    publish: keep("publish", requested.publish, grants.publish),
    subscribe: keep("subscribe", requested.subscribe, grants.subscribe),
    npm: keep("npm", requested.npm, grants.npm),
    ...(requested.memoryMb !== undefined && memory !== undefined
      ? { memoryMb: Math.min(requested.memoryMb, memory) }
      : {}),
    ...(requested.storageMb !== undefined ? { storageMb: requested.storageMb } : {}),
  };
  return { approved, declined };
}
