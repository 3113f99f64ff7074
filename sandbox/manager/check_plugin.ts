/**
 * `deno task plugins check FILE`, offline: would this plugin be launched, and with what rights?
 * Vets its module graph, loads its definition in a permissionless process, and derives the same
 * launch plan the manager would use (Deno flags, NATS subjects, limits), or says why not.
 */
import { errorText, sanitizeChatText, silentLogger } from "@quicksilver/core";
import { findSymlinks } from "../process/mod.ts";
import type { PluginDescription } from "../sdk/mod.ts";
import { describeInSandbox } from "./describe.ts";
import { pluginNameOf } from "./discovery.ts";
import { explainPlan, type LaunchPlan, planLaunch } from "./launch_plan.ts";
import { RuntimeLayout } from "./layout.ts";
import { trustedModules, vetPlugin } from "./module_vetting.ts";
import { REPO_PATHS } from "./repo_paths.ts";
import { parsePluginSettings, type PluginSettingsInput } from "./settings.ts";
import { pluginServerAddresses } from "./plugin_servers.ts";

export interface CheckReport {
  file: string;
  name: string | null;
  ok: boolean;
  /** Why it would be refused; empty when ok. */
  problems: string[];
  /** The modules it would load (files, npm, node:). */
  modules: string[];
  description?: PluginDescription;
  plan?: LaunchPlan;
}

export async function checkPlugin(
  file: string,
  options: {
    settings?: PluginSettingsInput;
    /** The NATS servers the plan names (`nats.servers`); default `127.0.0.1:4222`. */
    servers?: string | readonly string[];
    dataDir?: string;
  } = {},
): Promise<CheckReport> {
  const path = file.startsWith("/") ? file : `${Deno.cwd()}/${file}`;
  const name = pluginNameOf(path);
  const report: CheckReport = { file: path, name, ok: false, problems: [], modules: [] };
  if (!name) {
    report.problems.push(
      "its file name must be the plugin's name: lowercase letters, digits, _ or -, then .ts",
    );
    return report;
  }
  try {
    await Deno.stat(path);
  } catch {
    report.problems.push(`${path} does not exist`);
    return report;
  }
  const tools = { denoPath: Deno.execPath(), configPath: REPO_PATHS.config };
  let settings;
  try {
    settings = parsePluginSettings(name, options.settings ?? {});
  } catch (error) {
    report.problems.push(errorText(error));
    return report;
  }
  const vetting = await vetPlugin(path, await trustedModules(REPO_PATHS.sdk, tools), {
    ...tools,
    grantedNpm: settings.grants.npm,
  });
  report.modules = vetting.graph.modules;
  report.problems.push(...vetting.problems);
  if (options.dataDir) {
    const links = await findSymlinks(`${options.dataDir}/${name}`).catch(() => []);
    if (links.length > 0) report.problems.push(`its data dir holds symlinks: ${links.join(", ")}`);
  }
  if (!vetting.ok) return report;

  const temp = await Deno.makeTempDir({ prefix: "quicksilver-check-" });
  try {
    const layout = new RuntimeLayout(temp);
    await layout.prepare();
    const paths = layout.pathsOf(name, null);
    await Deno.mkdir(paths.dataDir, { recursive: true });
    await layout.writeEntry(name, path, REPO_PATHS.runner);
    await layout.prepareLaunchFiles(paths, null);
    report.description = await describeInSandbox({
      name,
      ...tools,
      entryFile: paths.entryFile,
      cwd: paths.dataDir,
      denoDir: paths.denoDir,
      uid: null,
      logger: silentLogger,
    });
    const dataDir = options.dataDir ? `${options.dataDir}/${name}` : `.rosey/plugins/${name}`;
    let servers = ["127.0.0.1:4222"];
    try {
      servers = pluginServerAddresses(options.servers ?? servers);
    } catch (error) {
      report.problems.push(`nats.servers: ${errorText(error)}`);
    }
    report.plan = planLaunch({
      name,
      description: report.description,
      settings,
      servers,
      dataDir,
      entryFile: `<data root>/.runtime/entries/${name}.ts`,
      configPath: REPO_PATHS.config,
    });
    report.ok = report.problems.length === 0;
  } catch (error) {
    report.problems.push(errorText(error));
  } finally {
    await Deno.remove(temp, { recursive: true }).catch(() => undefined);
  }
  return report;
}

/** The report as text for a terminal. */
export function formatCheckReport(report: CheckReport): string {
  const lines: string[] = [];
  const m = report.description?.manifest;
  lines.push(
    report.ok
      ? `OK: ${report.file} is plugin "${m?.name}" ${m?.version}${
        m?.description ? ` — ${m.description}` : ""
      }`
      : `REFUSED: ${report.file}`,
  );
  for (const problem of report.problems) lines.push(`  - ${problem}`);
  if (m) {
    lines.push(
      `Commands: ${
        m.commands.map((c) => [c.name, ...c.aliases].map((w) => `!${w}`).join("/")).join(", ") ||
        "none"
      }`,
    );
    lines.push(`Events: message${m.events.length ? ", " + m.events.join(", ") : ""}`);
  }
  if (report.plan) lines.push(...explainPlan(report.plan));
  const files = report.modules.filter((s) => s.startsWith("file:")).length;
  const npm = report.modules.filter((s) => s.startsWith("npm:"));
  lines.push(
    `Module graph: ${report.modules.length} modules (${files} files; npm: ${
      npm.join(", ") || "none"
    })`,
  );
  // The description and the problems carry the plugin's own text: shown, never obeyed.
  return sanitizeChatText(lines.join("\n"));
}
