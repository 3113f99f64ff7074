/**
 * Once per manager start, before any plugin launches: can plugin uids reach everything every
 * plugin needs (the deno executable, this checkout's deno.json, runner, SDK and node_modules, the
 * plugins folder and the data root)? The deno executable is first placed where they can reach it
 * (see reachableExecutable: `npx -y deno` runs it from under /root). What still blocks is said in
 * one warning line with its fix, and every plugin then runs under the manager's uid, instead of
 * each launch finding the same problem and warning again.
 */
import type { Logger } from "@quicksilver/core";
import {
  type AccessTarget,
  checkPathAccess,
  reachableExecutable,
  type UidPool,
} from "../process/mod.ts";
import type { RuntimeLayout } from "./layout.ts";

export interface UidPreflightInput {
  /** The pool, or null when per-plugin uids are off or unavailable (then nothing is checked). */
  uids: UidPool | null;
  layout: RuntimeLayout;
  /** The executable the manager runs on (`Deno.execPath()`). */
  denoPath: string;
  /** Files of the checkout every plugin loads. */
  shared: {
    /** The checkout's root folder. */
    checkout: string;
    config: string;
    runner: string;
    sdk: string;
    nodeModules: string | null;
  };
  /** The plugins folder, when plugins come from one. */
  pluginsDir?: string | undefined;
  logger: Logger;
}

export interface UidPreflight {
  /** The deno executable plugins run. */
  denoPath: string;
  /** The pool to use: null when plugin uids cannot reach what they need. */
  uids: UidPool | null;
}

/** See the module doc. Logs at most one warning (and one info line when Deno was placed). */
export async function uidPreflight(input: UidPreflightInput): Promise<UidPreflight> {
  const { uids, layout, logger } = input;
  if (!uids) return { denoPath: input.denoPath, uids };
  const who = { uid: uids.first, gid: uids.first };
  const deno = await reachableExecutable(input.denoPath, { dir: `${layout.runtimeDir}/bin`, who });
  if (deno.placed === "linked" || deno.placed === "copied") {
    logger.info(
      `plugins run ${deno.path}, ${
        deno.placed === "linked" ? "a hard link to" : "a copy of"
      } ${input.denoPath}, which plugin uids cannot reach`,
    );
  }
  const targets: AccessTarget[] = [
    { path: deno.path, access: ["execute"], role: "deno executable" },
    { path: input.shared.config, access: ["read"], role: "deno.json" },
    { path: input.shared.runner, access: ["read"], role: "plugin runner" },
    { path: input.shared.sdk, access: ["read"], role: "plugin SDK" },
    { path: layout.dataRoot, access: ["execute"], role: "plugin data root" },
    { path: `${layout.runtimeDir}/entries`, access: ["read", "execute"], role: "plugin entries" },
  ];
  if (input.pluginsDir) {
    targets.push({ path: input.pluginsDir, access: ["read", "execute"], role: "plugins folder" });
  }
  if (input.shared.nodeModules) {
    targets.push({
      path: input.shared.nodeModules,
      access: ["read", "execute"],
      role: "node_modules",
      deep: true,
    });
  }
  const report = await checkPathAccess(targets, who);
  const first = deno.problem ?? report.problems[0];
  if (first) {
    const checkout = input.shared.checkout;
    const why = checkout.startsWith(`${first.blockedAt}/`)
      ? `this checkout (${checkout}) is inside ${first.blockedAt}, which plugin uids cannot ` +
        `enter (${first.message.split(":")[0]}). Fix: chmod o+x ${first.blockedAt} (others may ` +
        `pass through it, not list it), or clone to a folder others may enter (e.g. /opt).`
      : first.message;
    logger.warn(`plugins run under the manager's uid, not their own: ${why}`);
    return { denoPath: input.denoPath, uids: null };
  }
  return { denoPath: deno.path, uids };
}
