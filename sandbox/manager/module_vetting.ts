/**
 * Vets a plugin's static module graph before it may run, with `deno info --json`.
 *
 * Why: static (and analyzable dynamic) imports are loaded without `--allow-read`, so
 * `import s from "../../.rosey/x.json" with { type: "json" }` would read any file the process
 * can read (NOTES-SANDBOX §1, hole 2); and npm/remote imports would fetch code. A plugin's graph
 * may contain only: the plugin file itself, the modules the SDK itself is made of, `node:`
 * built-ins (still bound by Deno permissions at run time), and npm packages the SDK uses or the
 * operator granted. `--no-npm --no-remote` keeps `deno info` itself from downloading anything.
 */
import { errorText } from "@quicksilver/core";
import { z } from "zod";
import { toFileUrl } from "./layout.ts";

const InfoSchema = z.object({
  modules: z.array(z.object({
    specifier: z.string(),
    error: z.string().optional(),
    kind: z.string().optional(),
    dependencies: z.array(z.object({
      specifier: z.string(),
      code: z.object({ specifier: z.string().optional() }).optional(),
      type: z.object({ specifier: z.string().optional() }).optional(),
    })).optional(),
  })),
});

export interface ModuleGraph {
  /** Every module specifier (resolved) reached from the root. */
  modules: string[];
  /** Resolved specifiers that failed to load, with deno's reason. */
  errors: { specifier: string; error: string }[];
}

export interface VettingResult {
  ok: boolean;
  /** Files, npm packages and built-ins the plugin would load. */
  graph: ModuleGraph;
  /** One sentence per refused module. */
  problems: string[];
}

/** Runs `deno info --json` without network or npm resolution. */
export async function moduleGraph(
  file: string,
  options: { denoPath: string; configPath: string },
): Promise<ModuleGraph> {
  const output = await new Deno.Command(options.denoPath, {
    args: [
      "info",
      "--json",
      "--no-remote",
      "--no-npm",
      "--frozen",
      "--config",
      options.configPath,
      file,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  }).output();
  if (!output.success) {
    throw new Error(
      `deno info failed for ${file}: ${
        new TextDecoder().decode(output.stderr).trim().slice(0, 500)
      }`,
    );
  }
  const info = InfoSchema.parse(JSON.parse(new TextDecoder().decode(output.stdout)));
  const modules: string[] = [];
  const errors: ModuleGraph["errors"] = [];
  for (const module of info.modules) {
    modules.push(module.specifier);
    if (module.error) errors.push({ specifier: module.specifier, error: module.error });
  }
  return { modules, errors };
}

/** The modules a plugin may use besides itself: what the SDK is made of. Computed once. */
export interface TrustedModules {
  files: Set<string>;
  npm: Set<string>;
}

export async function trustedModules(
  sdkModule: string,
  options: { denoPath: string; configPath: string },
): Promise<TrustedModules> {
  const graph = await moduleGraph(sdkModule, options);
  const files = new Set<string>();
  const npm = new Set<string>();
  for (const specifier of graph.modules) {
    if (specifier.startsWith("file:")) files.add(specifier);
    else if (specifier.startsWith("npm:")) npm.add(specifier);
  }
  const missing = graph.errors.filter((e) => e.specifier.startsWith("file:"));
  if (missing.length > 0) {
    throw new Error(
      `the SDK's own module graph is broken: ${missing.map((m) => m.error).join("; ")}`,
    );
  }
  return { files, npm };
}

/** Checks a plugin's graph against the trusted modules and the operator's npm grants. */
export async function vetPlugin(
  pluginFile: string,
  trusted: TrustedModules,
  options: { denoPath: string; configPath: string; grantedNpm?: readonly string[] },
): Promise<VettingResult> {
  let graph: ModuleGraph;
  try {
    graph = await moduleGraph(pluginFile, options);
  } catch (error) {
    return { ok: false, graph: { modules: [], errors: [] }, problems: [errorText(error)] };
  }
  const self = toFileUrl(pluginFile);
  const granted = new Set(options.grantedNpm ?? []);
  const problems: string[] = [];
  const errorOf = new Map(graph.errors.map((e) => [e.specifier, e.error]));
  for (const specifier of graph.modules) {
    if (specifier === self) {
      if (errorOf.has(specifier)) problems.push(`it does not load: ${errorOf.get(specifier)}`);
      continue;
    }
    if (specifier.startsWith("file:")) {
      if (trusted.files.has(specifier)) continue;
      problems.push(
        errorOf.has(specifier)
          ? `it imports ${specifier}, which does not exist`
          : `it imports ${specifier}, a file outside the plugin (static imports bypass --allow-read, ` +
            `so a plugin may import only itself and @quicksilver/sdk)`,
      );
    } else if (specifier.startsWith("npm:")) {
      if (trusted.npm.has(specifier)) continue;
      if (granted.has(specifier)) {
        // Granted but not installed: it would die at every launch on `--cached-only` (a crash
        // loop nobody is told about); refused here, with the fix.
        const missing = await npmMissing(specifier, options.configPath);
        if (missing) problems.push(missing);
        continue;
      }
      problems.push(
        `it imports ${specifier}, an npm package not on the allowlist (the SDK's packages and ` +
          `plugins.<name>.grants.npm; the package must also be in deno.lock)`,
      );
    } else if (specifier.startsWith("node:")) {
      continue;
    } else {
      problems.push(
        `it imports ${specifier}: remote, jsr: and data: imports are not allowed (plugins run ` +
          `with --no-remote --cached-only --frozen)`,
      );
    }
  }
  return { ok: problems.length === 0, graph, problems };
}

/**
 * Why a granted `npm:` import would not load, or null when it is installed: plugins run with
 * `--node-modules-dir=manual --cached-only`, so the package must be in the node_modules beside
 * `configPath` (at the version asked for, when one exact version is).
 */
async function npmMissing(specifier: string, configPath: string): Promise<string | null> {
  const bare = specifier.slice("npm:".length).replace(/^\//, "");
  const match = /^((?:@[^/@]+\/)?[^/@]+)(?:@([^/]+))?/.exec(bare);
  if (!match) return `it imports ${specifier}, which is not an npm package name`;
  const [, name, version] = match;
  const root = configPath.slice(0, configPath.lastIndexOf("/"));
  const fix = `run \`deno add ${specifier}\` then \`deno install\` in ${root}, or remove it from ` +
    `plugins.<name>.grants.npm`;
  let installed: { version?: unknown };
  try {
    installed = JSON.parse(await Deno.readTextFile(`${root}/node_modules/${name}/package.json`));
  } catch {
    return `it imports ${specifier}, which is granted but not installed: ${fix}`;
  }
  if (version && /^\d+\.\d+\.\d+$/.test(version) && installed.version !== version) {
    return `it imports ${specifier}, but ${name}@${String(installed.version)} is installed: ${fix}`;
  }
  return null;
}
