/**
 * `deno task test`: provisions nats-server (PATH, else apt as root, else says how), runs the
 * whole suite with coverage, then prints the coverage of the core. Extra arguments are passed
 * to `deno test` (e.g. `deno task test tests/core/`).
 *
 * The tests start their own private nats-servers on free ports; nothing here needs port 4222.
 */
import { createLogger } from "../core/log/mod.ts";
import { findNatsServer, NatsServerNotFoundError, REPO_ROOT } from "@quicksilver/testbed";

const log = createLogger({ fields: { component: "test" } });
try {
  const binary = await findNatsServer({ logger: log });
  log.info(`using ${binary}`);
} catch (error) {
  if (error instanceof NatsServerNotFoundError) {
    console.error(error.message);
    Deno.exit(1);
  }
  throw error;
}

// The suite runs plugins under their own uids, which must walk down to the checkout (runner, SDK,
// node_modules). A checkout under a folder only its owner may enter (`mktemp -d`, a 0700 home)
// would make every plugin share the runner's uid and the tests of per-plugin isolation fail:
// as root, give those folders o+x (enter, never list), the fix `deno task dev` names in its
// warning, and say so in one line.
if (Deno.uid() === 0) {
  const opened: string[] = [];
  for (let dir = REPO_ROOT; dir !== "/" && dir !== ""; dir = dir.slice(0, dir.lastIndexOf("/"))) {
    const info = await Deno.stat(dir);
    const mode = info.mode ?? 0o755;
    if ((mode & 0o001) === 0 && info.uid === 0) {
      await Deno.chmod(dir, (mode & 0o7777) | 0o001);
      opened.push(dir);
    }
  }
  if (opened.length > 0) {
    log.info(`made ${opened.join(", ")} traversable (o+x) so plugin uids can reach the checkout`);
  }
}

const coverageDir = `${REPO_ROOT}/coverage`;
await Deno.remove(coverageDir, { recursive: true }).catch(() => undefined);
const targets = Deno.args.length > 0 ? Deno.args : ["tests/"];
const child = new Deno.Command(Deno.execPath(), {
  args: [
    "test",
    "--allow-all",
    `--coverage=${coverageDir}`,
    "--coverage-raw-data-only",
    ...targets,
  ],
  cwd: REPO_ROOT,
  stdin: "null",
  stdout: "piped",
}).spawn();
// Pass the output through, keeping the end to restate deno's summary as a plain line.
let tail = "";
const decoder = new TextDecoder();
for await (const chunk of child.stdout) {
  await Deno.stdout.write(chunk);
  tail = (tail + decoder.decode(chunk, { stream: true })).slice(-4000);
}
const test = await child.status;
// deno prints "ok | 12 passed (3 steps) | 0 failed | 1 ignored"; CI reads "N passed, N failed".
// deno-lint-ignore no-control-regex -- stripping ANSI colour codes is the point
const plain = tail.replace(/\x1b\[[0-9;]*m/g, "");
const summary = [...plain.matchAll(/(\d+) passed.*?\| (\d+) failed(?:.*?\| (\d+) ignored)?/g)].at(
  -1,
);

if (test.success) {
  // Coverage of the foundation every other part builds on (the seed asks 100% on the EventBus).
  await new Deno.Command(Deno.execPath(), {
    args: ["coverage", coverageDir, "--include=core/"],
    cwd: REPO_ROOT,
    stdin: "null",
  }).spawn().status;
}
if (summary) {
  console.log(
    `\n${summary[1]} passed, ${summary[2]} failed${summary[3] ? `, ${summary[3]} skipped` : ""}`,
  );
}
Deno.exit(test.code);
