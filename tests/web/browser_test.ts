/**
 * The dashboard in a real browser (Chromium through playwright-core) against `deno task dev`:
 * a newcomer logs in with the account the first run printed, sees dice running, stops it and
 * sees the state change (and `!roll` refused in the shell), starts it again, and sees a
 * violation by a hostile plugin appear in the feed without reloading. A screenshot of each
 * page is saved under `.test-output/web-browser/`. One Chromium launch for the whole file.
 */
import assert from "node:assert/strict";
import { DevProcess } from "@quicksilver/testing";
import { freePort, REPO_ROOT } from "@quicksilver/testbed";
import { launchChromium, testOutputDir } from "../harness/browser.ts";

/** Markup a plugin puts in its manifest: the dashboard must show it as text, never run it. */
const MARKUP = `<img src=x onerror="document.title='pwned'">`;

/**
 * Reads /etc/passwd when asked (the sandbox denies it and reports a `deno-read` violation), and
 * describes itself with markup.
 */
const SNOOP = `import { definePlugin } from "@quicksilver/sdk";
export default definePlugin({
  name: "snoop",
  version: "0.0.1",
  description: ${JSON.stringify(MARKUP)},
  commands: {
    snoop: {
      handler: async () => {
        await Deno.readTextFile("/etc/passwd").catch(() => undefined);
        return "looked around";
      },
    },
  },
});
`;

Deno.test("in a browser: log in, stop and start dice, and watch a violation arrive live", async () => {
  const home = await Deno.makeTempDir({ prefix: "quicksilver-web-browser-" });
  const shots = await testOutputDir("web-browser");
  await Deno.mkdir(`${home}/plugins`);
  await Deno.copyFile(`${REPO_ROOT}/plugins/dice.ts`, `${home}/plugins/dice.ts`);
  await Deno.writeTextFile(`${home}/plugins/snoop.ts`, SNOOP);
  await Deno.writeTextFile(
    `${home}/rosey.yaml`,
    `nats:\n  url: "127.0.0.1:${freePort()}"\n  monitoring: "http://127.0.0.1:${freePort()}"\n` +
      `plugins:\n  dir: ${home}/plugins\n` +
      `monitoring:\n  metricsPort: 0\n  healthIntervalMs: 1000\n` +
      `web:\n  listen: "127.0.0.1:${freePort()}"\n  historyIntervalSeconds: 1\n`,
  );
  const dev = await DevProcess.start(home);
  const browser = await launchChromium();
  try {
    const url = /dashboard (http:\S+),/.exec(dev.stderr)?.[1];
    const account = /Dashboard login \(shown once\): user (\S+), password (\S+)\./.exec(
      dev.stderr,
    );
    assert.ok(url && account, dev.stderr);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const failures: string[] = [];
    page.on("pageerror", (error) => failures.push(String(error)));
    page.on("dialog", (dialog) => failures.push(`dialog: ${dialog.message()}`));
    page.on("requestfailed", (request) => {
      if (!request.url().endsWith("/api/events")) {
        failures.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`);
      }
    });

    // --- log in with what the first run printed -----------------------------------------------
    await page.goto(`${url}/`);
    assert.match(page.url(), /\/login$/, "not logged in: the login page");
    await page.screenshot({ path: `${shots}/login.png` });
    await page.fill("input[name=user]", account[1]!);
    await page.fill("input[name=password]", account[2]!);
    await page.click("button[type=submit]");
    await page.waitForSelector("tr[data-plugin=dice] td[data-state=running]", { timeout: 20_000 });
    await page.waitForSelector("#live.on");
    await page.screenshot({ path: `${shots}/overview.png`, fullPage: true });

    // --- stop dice from its page: the state changes live, and !roll is refused ----------------
    await page.click("tr[data-plugin=dice] a");
    await page.waitForSelector("#plugin-state[data-state=running]");
    // Its limits, from the plugin table (dice asks for no extras, so nothing is marked missing).
    assert.match(await page.textContent("#limits") ?? "", /memory\s*256 MiB/);
    assert.equal(await page.$("#not-granted"), null);
    await page.click("button[data-op=stop]");
    await page.waitForSelector("#plugin-state[data-state=stopped]", { timeout: 15_000 });
    await page.screenshot({ path: `${shots}/plugin-stopped.png`, fullPage: true });
    await dev.type("!roll 1d6");
    await dev.waitForOutput(/dice is not answering right now, sorry\./, "!roll refused");

    await page.click("button[data-op=start]");
    await page.waitForSelector("#plugin-state[data-state=running]", { timeout: 20_000 });
    await dev.type("!roll 1d1");
    await dev.waitForOutput(/= 1$/m, "dice answering again");

    // --- a violation appears in the open feed without a reload --------------------------------
    await page.goto(`${url}/violations`);
    await page.waitForSelector("#live.on");
    await page.screenshot({ path: `${shots}/violations-before.png`, fullPage: true });
    const navigations: string[] = [];
    page.on("framenavigated", (frame) => navigations.push(frame.url()));
    await dev.type("!snoop");
    const row = await page.waitForSelector("#violations tr[data-violation-plugin=snoop]", {
      timeout: 20_000,
    });
    assert.match(await row.textContent() ?? "", /deno-read/);
    assert.deepEqual(navigations, [], "the page was not reloaded");
    await page.screenshot({ path: `${shots}/violations.png`, fullPage: true });

    // --- a plugin's own text is text: its markup shows as written and runs nothing ------------
    await page.goto(`${url}/plugins/snoop`);
    await page.waitForSelector("body[data-ready=true]");
    assert.ok((await page.textContent("main"))?.includes(MARKUP), "the markup shown as text");
    assert.equal(await page.locator("main img").count(), 0);
    assert.notEqual(await page.title(), "pwned");

    // --- the other pages render: channel (live chat) and stats (charts) -----------------------
    await page.goto(`${url}/channels/shell/local`);
    await page.waitForSelector("#users tr");
    await dev.type("hello from the shell");
    await page.waitForSelector("#chat >> text=hello from the shell", { timeout: 10_000 });
    await page.screenshot({ path: `${shots}/channel.png`, fullPage: true });
    await page.goto(`${url}/stats`);
    await page.waitForSelector("body[data-ready=true]");
    await page.waitForSelector("svg.chart");
    await page.screenshot({ path: `${shots}/stats.png`, fullPage: true });

    await page.goto(`${url}/`);
    await page.waitForSelector("#latest-violations tr[data-violation-plugin=snoop]");
    await page.waitForSelector("tr[data-plugin=dice] td[data-state=running]");
    await page.screenshot({ path: `${shots}/overview-after.png`, fullPage: true });

    assert.deepEqual(failures, [], "no script error and no failed request");
    for (const name of ["login", "overview", "plugin-stopped", "violations", "channel", "stats"]) {
      assert.ok((await Deno.stat(`${shots}/${name}.png`)).size > 1000, `${name}.png`);
    }
  } finally {
    await browser.close();
    const code = await dev.close();
    await Deno.remove(home, { recursive: true }).catch(() => undefined);
    assert.equal(code, 0, dev.stderr);
  }
});
