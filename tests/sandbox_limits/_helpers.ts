/**
 * Shared pieces for the sandbox-limit tests: a work dir any uid can traverse, tiny hog scripts
 * written into it (they import nothing, so a plugin uid never needs root's deno cache), the real
 * Deno flags, and the host's limit support detected once.
 */
import { cgroupBaseDirs, detectLimitSupport, type LimitSupport } from "../../sandbox/limits/mod.ts";

export const support: LimitSupport = await detectLimitSupport();

// Detection creates the (empty) `quicksilver` base folders; leave no trace in the host's cgroup
// tree once the test run ends. Unload handlers must be synchronous.
globalThis.addEventListener("unload", () => {
  for (const base of cgroupBaseDirs(support)) {
    try {
      Deno.removeSync(base);
    } catch {
      // still holds groups (another run) or already gone
    }
  }
});

/** True when this host enforces limits with cgroup v1 or v2. */
export const hasCgroups = support.mechanism !== "watchdog";
/** True when plugins can get their own uid here. */
export const canSwitchUid = support.isRoot && support.tools.setpriv !== null;

/** Prints why a test is skipped, and returns the `ignore` flag for Deno.test. */
export function skipUnless(condition: boolean, reason: string): boolean {
  if (!condition) console.log(`(skipped: ${reason})`);
  return !condition;
}

export interface WorkDir extends AsyncDisposable {
  path: string;
  /** DENO_DIR for the child: Deno refuses to start without one under `env -i`. */
  denoDir: string;
  write(name: string, source: string): Promise<string>;
  /** `deno run` with the flags plugins get: no prompt, read/write only inside the work dir. */
  argv(script: string, extraFlags?: string[]): string[];
  env: Record<string, string>;
}

/**
 * A temp dir with mode 0755 (makeTempDir gives 0700, which a plugin uid cannot enter) holding
 * the scripts and a DENO_DIR.
 */
export async function makeWorkDir(): Promise<WorkDir> {
  const path = await Deno.makeTempDir({ prefix: "qs_limits_" });
  await Deno.chmod(path, 0o755);
  const denoDir = `${path}/deno_dir`;
  await Deno.mkdir(denoDir, { mode: 0o777 });
  await Deno.chmod(denoDir, 0o777); // shared by root and plugin-uid runs in these tests
  return {
    path,
    denoDir,
    env: { DENO_DIR: denoDir, NO_COLOR: "1" },
    async write(name, source) {
      const file = `${path}/${name}`;
      await Deno.writeTextFile(file, source);
      await Deno.chmod(file, 0o644);
      return file;
    },
    argv(script, extraFlags = []) {
      return [
        Deno.execPath(),
        "run",
        "--no-prompt",
        `--allow-read=${path}`,
        `--allow-write=${path}`,
        ...extraFlags,
        script,
      ];
    },
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** Collects every line of a stream. */
export async function collect(stream: ReadableStream<string>): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of stream) lines.push(line);
  return lines;
}

/** Resolves when `predicate` holds, polling every 20 ms; rejects at the deadline. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether any directory named `name` exists in this host's cgroup base dirs. */
export async function cgroupExists(name: string): Promise<boolean> {
  const layout = support.cgroup;
  if (layout === null) return false;
  const bases = layout.version === 2 ? [layout.base] : Object.values(layout.base).filter(
    (b): b is string => b !== null,
  );
  for (const base of bases) {
    try {
      await Deno.lstat(`${base}/${name}`);
      return true;
    } catch {
      // not there: good
    }
  }
  return false;
}

/** Hog scripts. None imports anything. */
export const SCRIPTS = {
  /** Allocates touched ArrayBuffer memory in 8 MB steps up to `mb`, then says "survived". */
  arrayBufferHog: (mb: number, pauseMs = 0) => `
const keep = [];
for (let i = 0; i < ${Math.ceil(mb / 8)}; i++) {
  const chunk = new Uint8Array(8 * 1024 * 1024);
  chunk.fill(i % 251);
  keep.push(chunk);
  ${pauseMs > 0 ? `await new Promise((r) => setTimeout(r, ${pauseMs}));` : ""}
}
console.log("survived", keep.length * 8, "MB");
`,
  /** Grows the JS heap with small objects until V8 gives up. */
  heapHog: `
const keep = [];
for (let i = 0; ; i++) keep.push({ i, text: "x".repeat(16) + i });
`,
  /** Spins for `ms`, then prints how long it ran. */
  cpuSpin: (ms: number) => `
const start = Date.now();
let n = 0;
while (Date.now() - start < ${ms}) n++;
console.log("spun", Date.now() - start, n > 0);
`,
  /** Starts `count` Workers from worker.ts (each is an OS thread plus helpers). */
  workerBomb: (count: number) => `
const workers = [];
for (let i = 0; i < ${count}; i++) {
  workers.push(new Worker(new URL("./idle_worker.ts", import.meta.url), { type: "module" }));
  console.log("worker", i);
}
await new Promise((r) => setTimeout(r, 500));
for (const w of workers) w.terminate();
console.log("all workers started");
`,
  idleWorker: `self.onmessage = () => {};`,
};
