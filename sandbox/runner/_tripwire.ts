/**
 * The runner's own reports to the manager, for what the manager cannot see from outside (Deno
 * does not audit `run` checks; a reply the client refuses to send never reaches the server).
 * One line on stderr: `<TRIPWIRE_PREFIX><reportToken> {"kind","detail"}`.
 *
 * Plugin code shares this process, so everything here is taken when this module is evaluated,
 * before any plugin code loads: plugin code may later replace Deno.stderr.writeSync,
 * TextEncoder or JSON.stringify, not these bound copies; and the token (from stdin, read
 * before plugin code loads) lives only in this module, which plugin code cannot import (the
 * manager vets its module graph). So a plugin can neither forge a report nor silence one.
 */
import { TRIPWIRE_PREFIX } from "./launch_config.ts";

const stderrWrite = Deno.stderr.writeSync.bind(Deno.stderr);
const encodeText = TextEncoder.prototype.encode.bind(new TextEncoder());
const toJson = JSON.stringify;
let token = "";

/** Sets the launch's report token, once (the runner does, before loading the plugin). */
export function armTripwire(reportToken: string): void {
  if (!token) token = reportToken;
}

/** Reports `kind` (one the manager accepts from the runner) with a runner-written detail. */
export function tripwire(
  kind: "deno-run" | "reply-too-large" | "storage-quota",
  detail: string,
): void {
  if (!token) return;
  try {
    stderrWrite(encodeText(`\n${TRIPWIRE_PREFIX}${token} ${toJson({ kind, detail })}\n`));
  } catch {
    // stderr is gone: nothing to report to
  }
}
