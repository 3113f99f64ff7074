/**
 * The dashboard as `deno task dev` starts it: the URL in the running line, the first run's
 * account shown once and working, a busy port as one error line (the bot runs on), and
 * `deno task web passwd` making an account from a password on stdin.
 */
import assert from "node:assert/strict";
import { DevProcess } from "@quicksilver/testing";
import { freePort, REPO_ROOT } from "@quicksilver/testbed";

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** Runs `fn` with a `--no-shell` dev, then stops it (end of input does not) and checks its exit. */
async function withDev(home: string, fn: (dev: DevProcess) => Promise<void>): Promise<void> {
  const dev = await DevProcess.start(home, ["--no-shell"]);
  let failed = false;
  try {
    await fn(dev);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    dev.signal("SIGINT");
    const code = await dev.close();
    if (!failed) assert.equal(code, 0, dev.stderr);
  }
}

async function writeConfig(home: string, web: string): Promise<void> {
  await Deno.writeTextFile(
    `${home}/rosey.yaml`,
    `nats:\n  url: "127.0.0.1:${freePort()}"\n  monitoring: "http://127.0.0.1:${freePort()}"\n` +
      `plugins:\n  dir: ${REPO_ROOT}/plugins\n  enabled: [dice]\n` +
      `monitoring:\n  metricsPort: 0\nweb:\n${web}`,
  );
}

async function login(url: string, user: string, password: string): Promise<Response> {
  return await fetch(`${url}/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user, password }),
  });
}

Deno.test("`deno task dev` prints the dashboard URL, and the first run's account (shown once) logs in", async () => {
  const home = await Deno.makeTempDir({ prefix: "quicksilver-web-dev-" });
  try {
    await writeConfig(home, `  listen: "127.0.0.1:${freePort()}"\n`);
    let url = "";
    let password = "";
    await withDev(home, async (dev) => {
      const stderr = dev.stderr.replace(ANSI, "");
      url = /^Quicksilver is running: dashboard (http:\/\/127\.0\.0\.1:\d+), NATS /m.exec(stderr)
        ?.[1]!;
      assert.ok(url, stderr);
      const shown = /^Dashboard login \(shown once\): user (\S+), password (\S+)\./m.exec(stderr);
      assert.ok(shown, stderr);
      assert.equal(shown[1], "admin");
      password = shown[2]!;
      const response = await login(url, "admin", password);
      assert.equal(response.status, 200);
      const cookie = response.headers.get("set-cookie")!.split(";")[0]!;
      await response.body?.cancel();
      const status = await fetch(`${url}/api/status`, { headers: { cookie } });
      assert.equal(status.status, 200);
      const table = await status.json();
      assert.ok(table.components.some((c: { component: string }) => c.component === "web"));
      const stored = await Deno.readTextFile(`${home}/.rosey/web/accounts.json`);
      assert.ok(!stored.includes(password), "only the hash is kept");
    });
    await withDev(home, async (dev) => {
      assert.doesNotMatch(dev.stderr, /Dashboard login/, "shown once only");
      const response = await login(url, "admin", password);
      assert.equal(response.status, 200, "the same account on the next run");
      await response.body?.cancel();
    });
  } finally {
    await Deno.remove(home, { recursive: true }).catch(() => undefined);
  }
});

Deno.test("a busy web.listen port is one error line naming the key and a fix; the bot runs on", async () => {
  const home = await Deno.makeTempDir({ prefix: "quicksilver-web-busy-" });
  const port = freePort();
  const blocker = Deno.listen({ hostname: "127.0.0.1", port });
  try {
    await writeConfig(home, `  listen: "127.0.0.1:${port}"\n`);
    await using dev = await DevProcess.start(home);
    const lines = dev.stderr.replace(ANSI, "").split("\n").filter((l) => l.includes("web.listen"));
    assert.deepEqual(lines, [
      `web.listen 127.0.0.1:${port} is in use; set web.listen in rosey.yaml to a free port, ` +
      `e.g. "127.0.0.1:${port + 1}"`,
    ]);
    assert.match(dev.stderr, /Quicksilver is running: NATS /, "no dashboard in the running line");
    await dev.type("!roll 1d1");
    await dev.waitForOutput(/= 1$/m, "dice to answer");
  } finally {
    blocker.close();
    await Deno.remove(home, { recursive: true }).catch(() => undefined);
  }
});

Deno.test("`deno task web passwd <user>` reads the password from stdin and its line logs in", async () => {
  const password = "a long enough secret";
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "web", "passwd", "carol"],
    cwd: REPO_ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(`${password}\n`));
  await writer.close();
  const { code, stdout } = await child.output();
  assert.equal(code, 0);
  const printed = new TextDecoder().decode(stdout);
  assert.ok(!printed.includes(password), "the password is not printed");
  const hash = /^ {4}carol: "(scrypt\$[^"]+)"$/m.exec(printed)?.[1];
  assert.ok(hash, printed);

  const home = await Deno.makeTempDir({ prefix: "quicksilver-web-passwd-" });
  try {
    await writeConfig(
      home,
      `  listen: "127.0.0.1:${freePort()}"\n  accounts:\n    carol: "${hash}"\n`,
    );
    await withDev(home, async (dev) => {
      assert.doesNotMatch(
        dev.stderr,
        /Dashboard login/,
        "no generated account beside configured ones",
      );
      const url = /dashboard (http:\S+),/.exec(dev.stderr)![1]!;
      const ok = await login(url, "carol", password);
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
      const wrong = await login(url, "carol", "not the password");
      assert.equal(wrong.status, 401);
      await wrong.body?.cancel();
    });
  } finally {
    await Deno.remove(home, { recursive: true }).catch(() => undefined);
  }
});
