/**
 * The Deno flags the core process (`deno task dev`) runs with. `deno.json`'s `dev` task spells
 * the same (a test holds the two together) and the benchmark starts the bot with them.
 *
 * An 8 MB young generation instead of V8's default 16 MB: measured with the whole bot, the core
 * takes ~131 MB idle and ~145 MB after 1000 commands/s instead of ~157 and ~170-190 MB, with the
 * same latency (docs/PERFORMANCE.md). 4 MB saves ~30 MB more but adds about a millisecond of p99.
 *
 * @module
 */
export const CORE_V8_FLAGS = "--max-semi-space-size=8";

/** What `deno run` gets before the script, in the task and in the benchmark. */
export const CORE_DENO_FLAGS: readonly string[] = [`--v8-flags=${CORE_V8_FLAGS}`];
