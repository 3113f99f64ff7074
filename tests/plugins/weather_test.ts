import assert from "node:assert/strict";
import { PluginTestBed } from "@quicksilver/sdk/testing";
import { waitFor } from "@quicksilver/testing";
import { describeCode, formatWeather, parseCurrent, parsePlace } from "../../plugins/weather.ts";

/** An Open-Meteo look-alike on a free loopback port; records the requests it saw. */
function mockOpenMeteo() {
  const requests: URL[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const url = new URL(request.url);
    requests.push(url);
    if (url.pathname === "/v1/search") {
      const name = url.searchParams.get("name") ?? "";
      if (name === "Atlantis") return Response.json({ generationtime_ms: 0.1 });
      if (name === "Broken") return new Response("oops", { status: 500 });
      return Response.json({
        results: [{
          name: "Paris",
          country: "France",
          admin1: "Île-de-France",
          latitude: 48.85,
          longitude: 2.35,
        }],
      });
    }
    if (url.pathname === "/v1/forecast") {
      const f = url.searchParams.get("temperature_unit") === "fahrenheit";
      return Response.json({
        current: {
          temperature_2m: f ? 64.4 : 18,
          apparent_temperature: f ? 62.6 : 17,
          relative_humidity_2m: 60,
          wind_speed_10m: 12.4,
          weather_code: 2,
        },
      });
    }
    return new Response("not found", { status: 404 });
  });
  const host = `127.0.0.1:${server.addr.port}`;
  return { server, host, url: `http://${host}`, requests };
}

Deno.test("weather: decodes the API's answers and formats them", () => {
  const place = parsePlace({
    results: [{ name: "Oslo", country: "Norway", latitude: 59.9, longitude: 10.7 }],
  })!;
  assert.equal(parsePlace({}), null);
  assert.throws(() => parseCurrent({ current: { temperature_2m: 1 } }), /current\.apparent/);
  const now = parseCurrent({
    current: {
      temperature_2m: -3.25,
      apparent_temperature: -8,
      relative_humidity_2m: 80.4,
      wind_speed_10m: 20,
      weather_code: 73,
    },
  });
  assert.equal(
    formatWeather(place, now, "metric"),
    "Weather in Oslo, Norway: 🌨 snow, -3.3°C (feels like -8.0°C), humidity 80%, wind 20 km/h",
  );
  assert.equal(describeCode(1234), "weather code 1234");
});

Deno.test("weather with its host granted", async (t) => {
  const mock = mockOpenMeteo();
  await using _server = mock.server;
  await using bed = await PluginTestBed.start("plugins/weather.ts", {
    settings: {
      grants: { net: [mock.host] },
      config: { geocodingUrl: mock.url, forecastUrl: mock.url },
    },
  });

  await t.step("tells the current weather for a place", async () => {
    const text = bed.text(await bed.command("!weather paris", { user: "alice" }));
    assert.equal(
      text,
      "Weather in Paris, Île-de-France, France: ⛅ partly cloudy, 18.0°C (feels like 17.0°C), humidity 60%, wind 12 km/h",
    );
    const search = mock.requests.find((u) => u.pathname === "/v1/search")!;
    assert.equal(search.searchParams.get("name"), "paris");
    const forecast = mock.requests.find((u) => u.pathname === "/v1/forecast")!;
    assert.equal(forecast.searchParams.get("latitude"), "48.85");
  });

  await t.step("says clearly when a place is unknown or the service fails", async () => {
    assert.equal(
      bed.text(await bed.command("!weather Atlantis", { user: "bob" })),
      'I can\'t find a place called "Atlantis".',
    );
    assert.match(
      bed.text(await bed.command("!weather Broken", { user: "carol" })),
      /invalid_args: The weather service answered 500/,
    );
    assert.match(
      bed.text(await bed.command("!weather", { user: "nobody" })),
      /invalid_args: Where\?/,
    );
  });

  await t.step("remembers each user's last place across a restart", async () => {
    await bed.restart();
    // The router's 2 s cooldown outlives a plugin restart (it is the router's, not the
    // plugin's), so alice asks again once the router lets her.
    const result = await waitFor(async () => {
      const answer = await bed.command("!weather", { user: "alice" });
      return answer.ok || answer.error.code !== "rate_limited" ? answer : undefined;
    }, { what: "alice's cooldown to pass", timeoutMs: 5000, intervalMs: 100 });
    const text = bed.text(result);
    assert.match(text, /^Weather in Paris/);
    assert.equal(mock.requests.at(-2)?.searchParams.get("name"), "paris");
    assert.deepEqual(bed.violations, []);
  });
});

Deno.test("weather without the grant: the same answer every time, one 'needs a grant' report, never quarantined", async () => {
  const mock = mockOpenMeteo();
  await using _server = mock.server;
  await using bed = await PluginTestBed.start("plugins/weather.ts", {
    settings: { config: { geocodingUrl: mock.url, forecastUrl: mock.url } },
  });
  const expected = `Weather needs a grant the operator has not given yet: rosey.yaml ` +
    `plugins.weather.grants.net: ["${mock.host}"].`;
  // More than the kill switch's 3 violations, from as many users: a missing grant is no attack.
  for (const user of ["alice", "bob", "carol", "dave", "erin"]) {
    assert.equal(bed.text(await bed.command("!weather London", { user })), expected);
  }
  assert.equal(mock.requests.length, 0);
  const report = await waitFor(() => bed.violations.find((v) => v.kind === "needs-grant"), {
    timeoutMs: 10_000,
    what: "a needs-grant report",
  });
  assert.equal(report.action, "needs-grant");
  assert.match(
    report.detail,
    new RegExp(
      `needs a grant; set it in rosey\\.yaml: plugins\\.weather\\.grants\\.net: \\["${
        mock.host.replaceAll(".", "\\.")
      }"\\]`,
    ),
  );
  assert.equal(bed.status().state, "running");
  assert.equal(bed.status().violations, 0);
  // Stopping reads the rest of its audit log: everything it did has been judged by then.
  await bed.stop();
  assert.deepEqual(bed.violations.map((v) => v.kind), ["needs-grant"]);
  assert.equal(bed.status().state, "stopped");
});
