/**
 * `deno task plugins install|update|remove`: fetch, verify, inspect, review, approve, then write
 * the file and its approval record (sandbox/manager/approval.ts) and have the running bot pick
 * it up through `rosey.admin.plugins.{install,update,remove}`.
 */
import { type ApprovalRecord, beyondApproval, type PermissionSet } from "../manager/mod.ts";
import type { PluginStatus } from "@quicksilver/core";
import {
  approveFromConfig,
  collisionGate,
  findCollisions,
  inspect,
  type InstallContext,
  signatureGate,
} from "./_steps.ts";
import { InstallError } from "./errors.ts";
import { diffPermissions, formatInstallReview, formatUpdateDiff } from "./review.ts";
import { fetchPlugin } from "./source.ts";

export type { InstallContext } from "./_steps.ts";

export interface InstallOutcome {
  record: ApprovalRecord;
  /** Its status in the running bot; absent when no bot runs (it starts with the next). */
  status?: PluginStatus;
}

/**
 * Installs a plugin from a file, URL or index name. Throws {@linkcode InstallError} with the
 * reason (`tampered`, `unsigned`, `collision`, `not-approved`, `refused`, `source`,
 * `failed-start`); nothing is left installed then.
 */
export async function installPlugin(spec: string, ctx: InstallContext): Promise<InstallOutcome> {
  const fetched = await fetchPlugin(spec, {
    indexes: ctx.config.plugins.indexes,
  });
  const name = fetched.name;
  if (await ctx.files.has(name)) {
    throw new InstallError(
      "refused",
      `${name} is already installed; \`deno task plugins update ${name}\` updates it`,
    );
  }
  if (await Deno.stat(`${ctx.config.plugins.dir}/${name}.ts`).then(() => true, () => false)) {
    throw new InstallError(
      "refused",
      `the plugins folder already has ${name}.ts; a plugin name runs once`,
    );
  }
  const signature = signatureGate(fetched, ctx);
  const { description, requested } = await inspect(fetched, ctx);
  const collisions = await findCollisions(name, requested.commands, ctx);
  ctx.say(formatInstallReview({
    name,
    version: description.manifest.version,
    description: description.manifest.description ?? fetched.entry?.description,
    origin: fetched.origin,
    sha256: fetched.sha256,
    signature,
    requested,
    collisions,
  }));
  collisionGate(name, collisions);
  const approved = await approve(name, requested, ctx, `Install ${name}?`);
  const record: ApprovalRecord = {
    name,
    version: description.manifest.version,
    source: fetched.source,
    sha256: fetched.sha256,
    publisher: signature.kind === "trusted" ? signature.publisher : null,
    approvedAt: new Date().toISOString(),
    approved,
    requested,
  };
  await ctx.files.put(record, fetched.code);
  if (!ctx.bot) {
    ctx.say(`Installed ${name} ${record.version}; it starts with the bot (\`deno task dev\`).`);
    return { record };
  }
  const reply = await ctx.bot.ask("install", name).catch((error) => ({
    ok: false as const,
    error: { code: "failed", message: String(error) },
  }));
  if (!reply.ok) {
    await ctx.files.remove(name);
    throw new InstallError("failed-start", `${reply.error.message}; not installed`);
  }
  const status = reply.plugins[0];
  ctx.say(
    `Installed ${name} ${record.version}; it is ${status?.state ?? "running"}` +
      (requested.commands.length > 0 ? `: try !${requested.commands[0]}` : "."),
  );
  return { record, ...(status ? { status } : {}) };
}

/**
 * Updates installed plugins (one, or all when `name` is undefined) from where they came from.
 * Shows the diff of permissions and code size; a new permission needs approval again; the
 * running bot keeps the old version until the new one runs, and rolls back if it does not.
 */
export async function updatePlugins(
  name: string | undefined,
  ctx: InstallContext,
): Promise<ApprovalRecord[]> {
  const names = name ? [name] : await installedNames(ctx);
  if (names.length === 0) ctx.say("No installed plugins to update.");
  const updated: ApprovalRecord[] = [];
  for (const each of names) {
    const record = await updateOne(each, ctx);
    if (record) updated.push(record);
  }
  return updated;
}

async function updateOne(name: string, ctx: InstallContext): Promise<ApprovalRecord | null> {
  if (!(await ctx.files.has(name))) {
    throw new InstallError(
      "source",
      `${name} is not an installed plugin (\`deno task plugins install\` installs one)`,
    );
  }
  const current = await ctx.files.approval(name);
  const fetched = await fetchPlugin(current.source, { indexes: ctx.config.plugins.indexes });
  if (fetched.name !== name) {
    throw new InstallError(
      "source",
      `${current.source} is now plugin ${fetched.name}, not ${name}`,
    );
  }
  if (fetched.sha256 === current.sha256) {
    ctx.say(`${name} ${current.version} is up to date.`);
    return null;
  }
  const signature = signatureGate(fetched, ctx);
  const { description, requested } = await inspect(fetched, ctx);
  const oldBytes = (await Deno.stat(ctx.files.fileOf(name))).size;
  const version = description.manifest.version;
  ctx.say(formatUpdateDiff(
    name,
    current.version,
    version,
    diffPermissions(current.approved, requested, { oldBytes, newBytes: fetched.code.length }),
  ));
  const reviewed = current.requested ?? current.approved;
  const newWords = requested.commands.filter((w) => !reviewed.commands.includes(w));
  const collisions = await findCollisions(name, newWords, ctx);
  collisionGate(name, collisions);
  const fresh = beyondApproval(requested, reviewed);
  let approved: PermissionSet;
  if (fresh.length === 0) {
    // Nothing new was asked: the old approval, narrowed to what the new version still asks.
    approved = narrowTo(requested, current.approved);
  } else if (ctx.yes) {
    const fromConfig = approveFromConfig(name, requested, ctx);
    const missing = fresh.filter((item) => fromConfig.declined.includes(item));
    if (missing.length > 0) {
      throw new InstallError(
        "not-approved",
        `${name} ${version} asks for new permissions you have not approved: ` +
          `${missing.join(", ")}. ${current.version} keeps running. Run without --yes to ` +
          `review them, or grant them in rosey.yaml (plugins.${name}.grants)`,
      );
    }
    approved = fromConfig.approved;
  } else {
    approved = await approve(name, requested, ctx, `Approve ${fresh.join(", ")} and update?`);
  }
  const record: ApprovalRecord = {
    name,
    version,
    source: current.source,
    sha256: fetched.sha256,
    publisher: signature.kind === "trusted" ? signature.publisher : null,
    approvedAt: new Date().toISOString(),
    approved,
    requested,
  };
  if (!ctx.bot) {
    await ctx.files.put(record, fetched.code);
    ctx.say(`Updated ${name} to ${version}; it starts with the bot.`);
    return record;
  }
  await ctx.files.stage(record, fetched.code);
  const reply = await ctx.bot.ask("update", name).catch((error) => ({
    ok: false as const,
    error: { code: "failed", message: String(error) },
  }));
  if (!reply.ok) throw new InstallError("failed-start", reply.error.message);
  ctx.say(`Updated ${name} to ${version}; it is ${reply.plugins[0]?.state ?? "running"}.`);
  return record;
}

/** Removes an installed plugin: stops it in the running bot, deletes its file and approval, and its data unless `keepData`. */
export async function removePlugin(
  name: string,
  options: { keepData: boolean },
  ctx: InstallContext,
): Promise<void> {
  if (!(await ctx.files.has(name))) {
    throw new InstallError(
      "source",
      `${name} is not an installed plugin (a plugin of the plugins folder goes when you delete its file)`,
    );
  }
  if (ctx.bot) {
    const reply = await ctx.bot.ask("remove", name);
    if (!reply.ok && !/no plugin named|is not an installed plugin/.test(reply.error.message)) {
      throw new InstallError("failed-start", reply.error.message);
    }
  }
  await ctx.files.remove(name);
  const dataDir = `${ctx.stateDir}/plugins/${name}`;
  if (!options.keepData) await Deno.remove(dataDir, { recursive: true }).catch(() => undefined);
  ctx.say(
    `Removed ${name}${options.keepData ? `; its data stays in ${dataDir}` : " and its data"}.`,
  );
}

async function installedNames(ctx: InstallContext): Promise<string[]> {
  const entries = await Array.fromAsync(Deno.readDir(ctx.files.dir)).catch(() => []);
  return entries.filter((e) => e.isFile && e.name.endsWith(".approval.json"))
    .map((e) => e.name.slice(0, -".approval.json".length)).sort();
}

async function approve(
  name: string,
  requested: PermissionSet,
  ctx: InstallContext,
  question: string,
): Promise<PermissionSet> {
  if (ctx.yes) {
    const { approved, declined } = approveFromConfig(name, requested, ctx);
    if (declined.length > 0) {
      ctx.say(
        `Not approved (--yes takes only what rosey.yaml grants in plugins.${name}): ` +
          `${declined.join(", ")}`,
      );
    }
    return approved;
  }
  if (!(await ctx.confirm(`${question} [y/N] `))) {
    throw new InstallError("not-approved", `${name}: not approved; nothing changed`);
  }
  return requested;
}

function narrowTo(requested: PermissionSet, approved: PermissionSet): PermissionSet {
  const keep = (a: readonly string[], b: readonly string[]) => a.filter((x) => b.includes(x));
  return {
    commands: [...requested.commands],
    events: [...requested.events],
    net: keep(requested.net, approved.net),
    publish: keep(requested.publish, approved.publish),
    subscribe: keep(requested.subscribe, approved.subscribe),
    npm: keep(requested.npm, approved.npm),
    ...(requested.memoryMb !== undefined && approved.memoryMb !== undefined
      ? { memoryMb: Math.min(requested.memoryMb, approved.memoryMb) }
      : {}),
    ...(approved.storageMb !== undefined ? { storageMb: approved.storageMb } : {}),
  };
}
