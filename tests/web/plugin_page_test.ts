/**
 * The dashboard's plugin route shows what a plugin asked for, what it was granted (and what it
 * asked for and was not), and its limits, as a real plugin manager publishes them in the plugin
 * table on the bus.
 */
import assert from "node:assert/strict";
import { subjects } from "@quicksilver/core";
import { PluginManager } from "@quicksilver/sandbox";
import { waitFor } from "@quicksilver/testing";
import { launchChromium, testOutputDir } from "../harness/browser.ts";
import { OPERATOR, WebEnv } from "./_env.ts";

const ASKS_EXTRAS = new URL("../sandbox/fixtures/asks_extras.ts", import.meta.url).pathname;

/** The web service and a real manager running the fixture with part of its asks granted. */
async function startWithPlugin(env: WebEnv): Promise<PluginManager> {
  const manager = new PluginManager({
    authority: env.nats.authority,
    servers: env.nats.url,
    pluginFiles: [ASKS_EXTRAS],
    dataDir: `${env.dir}/plugins`,
    plugins: {
      asks_extras: {
        grants: { net: ["api.example.com:443"] },
        limits: { memoryMb: 128, pids: 48 },
      },
    },
    timings: { heartbeatMs: 250 },
  });
  await manager.start();
  return manager;
}

Deno.test("the plugin route shows grants asked for and granted, what was not granted, and the limits", async () => {
  await using env = await WebEnv.start({ connector: false });
  await using _manager = await startWithPlugin(env);
  const token = await env.token("read");
  const plugin = await waitFor(async () => {
    const response = await fetch(`${env.web.url}/api/plugins/asks_extras`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = await response.json();
    return response.ok && body.plugin.access ? body.plugin : undefined;
  }, { what: "the plugin's access on its route" });
  assert.equal(plugin.state, "running");
  assert.deepEqual(plugin.access.asked, {
    net: ["api.example.com:443", "cdn.example.com:443"],
    publish: [subjects.plugin("asks_extras", "noted")],
    subscribe: [subjects.allPluginHeartbeats()],
    npm: [],
  });
  assert.deepEqual(plugin.access.granted, {
    net: ["api.example.com:443"],
    publish: [],
    subscribe: [],
    npm: [],
  });
  assert.deepEqual(plugin.access.notGranted, [
    "net cdn.example.com:443",
    `publish ${subjects.plugin("asks_extras", "noted")}`,
    `subscribe ${subjects.allPluginHeartbeats()}`,
  ]);
  assert.equal(plugin.access.askedMemoryMb, 300);
  assert.equal(plugin.access.limits.memoryMb, 128);
  assert.equal(plugin.access.limits.pids, 48);
  assert.equal(plugin.access.limits.dataMb, 64);
});

Deno.test("in a browser, the plugin page marks what the plugin asked for and was not granted", async () => {
  await using env = await WebEnv.start({ connector: false });
  await using _manager = await startWithPlugin(env);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${env.web.url}/login`);
    await page.fill("input[name=user]", OPERATOR.user);
    await page.fill("input[name=password]", OPERATOR.password);
    await page.click("button[type=submit]");
    await page.waitForSelector("#live.on");
    await page.goto(`${env.web.url}/plugins/asks_extras`);
    await page.waitForSelector("#grants tr[data-granted]", { timeout: 20_000 });
    const rows = await page.$$eval(
      "#grants tbody tr",
      (trs) => trs.map((tr) => [tr.getAttribute("data-granted"), tr.textContent ?? ""]),
    );
    const row = (item: string) => rows.find(([, text]) => text!.includes(item))?.[0];
    assert.equal(row("api.example.com:443"), "yes");
    assert.equal(row("cdn.example.com:443"), "no");
    assert.equal(row(subjects.plugin("asks_extras", "noted")), "no");
    assert.equal(row(subjects.allPluginHeartbeats()), "no");
    assert.equal(row("300 MiB"), "no", "it asked for 300 MiB and runs with 128");
    assert.match(await page.textContent("#not-granted") ?? "", /net cdn\.example\.com:443/);
    assert.match(await page.textContent("#limits") ?? "", /memory\s*128 MiB/);
    assert.doesNotMatch(await page.textContent("#access") ?? "", /undefined/);
    await page.screenshot({
      path: `${await testOutputDir("web-plugin-page")}/plugin-grants.png`,
      fullPage: true,
    });
  } finally {
    await browser.close();
  }
});
