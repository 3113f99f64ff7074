/**
 * The programs in docs/examples are runnable documentation: each one runs here as its own
 * process against a private server, with the permissions docs/EVENT-BUS-API.md shows, and
 * must print what the document says it prints.
 */
import assert from "node:assert/strict";
import { TestNats } from "@quicksilver/testing";

const REPO_ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const EXAMPLES = `${REPO_ROOT}/docs/examples`;

/** What each example prints, line by line. A new example needs an entry here. */
const EXPECTED: Record<string, RegExp[]> = {
  "publish_subscribe.ts": [
    /^rejected: payload\.user$/,
    /^alice: hello from the bus$/,
    /^invalid messages: 1$/,
  ],
  "request_reply.ts": [
    /^\{"ok":true,"reply":\["alice said: hi there"\]\}$/,
    /^\{"ok":false,"error":\{"code":"failed","message":"internal error"\}\}$/,
    /^failed: no-responders$/,
  ],
  "durable_events.ts": [
    /^stored #1 as seq 1$/,
    /^stored #2 as seq 2$/,
    /^stored #3 as seq 3$/,
    /^consumed #1 \(seq 1\)$/,
    /^consumed #2 \(seq 2\)$/,
    /^consumed #3 \(seq 3\)$/,
  ],
  "least_privilege.ts": [
    /^refused: publish to rosey\.platform\.example\.action\.chat$/,
    /^still connected$/,
  ],
};

async function examples(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(EXAMPLES)) {
    if (entry.isFile && entry.name.endsWith(".ts") && !entry.name.startsWith("_")) {
      names.push(entry.name);
    }
  }
  return names.sort();
}

Deno.test("every example program in docs/examples runs and prints what the docs say", async (t) => {
  const names = await examples();
  assert.deepEqual(names, Object.keys(EXPECTED).sort(), "each example has its expected output");

  await using nats = await TestNats.start();
  const stateDir = `${nats.dir}/.rosey`;
  const credsFile = `${nats.dir}/example.creds`;
  await Deno.writeTextFile(credsFile, (await nats.mint("example-user")).creds, { mode: 0o600 });

  await t.step("they type-check", async () => {
    // `deno task check` does not cover docs/, so the examples are checked here.
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["check", ...names.map((name) => `${EXAMPLES}/${name}`)],
      cwd: REPO_ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  });

  for (const name of names) {
    await t.step(name, async () => {
      // The example that mints its own user reads the authority; the others use NATS_CREDS.
      const mints = name === "least_privilege.ts";
      const env: Record<string, string> = mints
        ? { NATS_URL: nats.url, ROSEY_STATE_DIR: stateDir }
        : { NATS_URL: nats.url, NATS_CREDS: credsFile };
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          `--allow-net=${nats.url}`,
          "--allow-env=NATS_URL,NATS_CREDS,ROSEY_STATE_DIR,ROSEY_LOG_LEVEL",
          mints ? `--allow-read=${stateDir}` : `--allow-read=${credsFile}`,
          ...(mints ? [`--allow-write=${stateDir}`] : []),
          `${EXAMPLES}/${name}`,
        ],
        cwd: REPO_ROOT,
        env,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(30_000),
      }).output();
      const stdout = new TextDecoder().decode(out.stdout).trim().split("\n");
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, `${name} failed:\n${stderr}`);
      const expected = EXPECTED[name]!;
      assert.equal(stdout.length, expected.length, `${name} printed:\n${stdout.join("\n")}`);
      for (const [i, pattern] of expected.entries()) {
        assert.match(stdout[i]!, pattern, `${name}, line ${i + 1}`);
      }
    });
  }
});
