/**
 * Files of this checkout that plugin processes need: the deno.json (import map, lockfile) that
 * makes `--frozen` npm resolution work, the runner they start in, and the SDK whose module graph
 * defines what a plugin may import.
 */
const here = new URL(".", import.meta.url).pathname.replace(/\/$/, "");
const sandbox = here.replace(/\/manager$/, "");
const root = sandbox.replace(/\/sandbox$/, "");

export const REPO_PATHS = {
  root,
  config: `${root}/deno.json`,
  runner: `${sandbox}/runner/mod.ts`,
  sdk: `${sandbox}/sdk/mod.ts`,
} as const;
