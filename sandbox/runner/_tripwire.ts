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
/**
 * Lines written so far per kind, and the most this process writes of each. The manager passes
 * these lines whatever the plugin's output budget (sandbox/process/_line_stream.ts), so a
 * plugin calling `Deno.kill` in a loop must not turn them into the flood the budget is there to
 * stop (the manager reports each denial once anyway). Per kind, so that spending one kind's
 * lines cannot silence another; plain counters, no Set or Map: plugin code may replace their
 * prototypes' methods.
 */
const MAX_LINES_PER_KIND = 8;
const written = {
  "deno-run": 0,
  "reply-too-large": 0,
  "worker-permissions": 0,
  "storage-quota": 0,
};
/** The last detail written per kind: a loop repeating one attempt spends one line, not all. */
const last = {
  "deno-run": "",
  "reply-too-large": "",
  "worker-permissions": "",
  "storage-quota": "",
};

/** Sets the launch's report token, once (the runner does, before loading the plugin). */
export function armTripwire(reportToken: string): void {
  if (!token) token = reportToken;
}

/** Reports `kind` (one the manager accepts from the runner) with a runner-written detail. */
export function tripwire(
  kind: "deno-run" | "reply-too-large" | "worker-permissions" | "storage-quota",
  detail: string,
): void {
  if (!token || detail === last[kind] || written[kind] >= MAX_LINES_PER_KIND) return;
  last[kind] = detail;
  written[kind]++;
  try {
    // Strings only: JSON.stringify of an object asks it (and Object.prototype, which plugin code
    // can change) for toJSON; of a string primitive it never does.
    const json = `{"kind":${toJson(kind)},"detail":${toJson(detail)}}`;
    stderrWrite(encodeText(`\n${TRIPWIRE_PREFIX}${token} ${json}\n`));
  } catch {
    // stderr is gone: nothing to report to
  }
}
