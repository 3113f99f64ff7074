/**
 * Weather: `!weather <place>` looks the place up and tells the current weather, from an
 * Open-Meteo-style API (geocoding `/v1/search`, forecast `/v1/forecast`). `!weather` alone uses
 * the place you asked for last time (remembered in storage).
 *
 * Example of: the operator granting one outbound host. The plugin asks for `net: ["*"]` (its
 * base URLs are configurable, so the host is the operator's choice) and Deno refuses every host
 * not granted in `plugins.weather.grants.net`. Without the grant the user hears, every time, which
 * key to set, and the manager reports "needs a grant" to the operator once (a declared need, so
 * not a security violation: it counts toward no quarantine).
 *
 * Config (`plugins.weather.config`): `geocodingUrl` (default https://geocoding-api.open-meteo.com),
 * `forecastUrl` (default https://api.open-meteo.com), `units` (`metric` or `imperial`),
 * `timeoutMs` (default 4000).
 */
import { ANY_GRANTED_HOST, type CommandContext, definePlugin, UsageError } from "@quicksilver/sdk";

export interface Place {
  name: string;
  country: string;
  admin1?: string;
  latitude: number;
  longitude: number;
}

export interface Current {
  temperature: number;
  apparent: number;
  humidity: number;
  wind: number;
  code: number;
}

/** WMO weather interpretation codes, as Open-Meteo documents them. */
const WMO: Record<number, string> = {
  0: "☀️ clear sky",
  1: "🌤 mainly clear",
  2: "⛅ partly cloudy",
  3: "☁️ overcast",
  45: "🌫 fog",
  48: "🌫 rime fog",
  51: "🌦 light drizzle",
  53: "🌦 drizzle",
  55: "🌧 dense drizzle",
  56: "🌧 freezing drizzle",
  57: "🌧 freezing drizzle",
  61: "🌦 light rain",
  63: "🌧 rain",
  65: "🌧 heavy rain",
  66: "🌧 freezing rain",
  67: "🌧 freezing rain",
  71: "🌨 light snow",
  73: "🌨 snow",
  75: "❄️ heavy snow",
  77: "🌨 snow grains",
  80: "🌦 rain showers",
  81: "🌧 rain showers",
  82: "⛈ violent rain showers",
  85: "🌨 snow showers",
  86: "❄️ snow showers",
  95: "⛈ thunderstorm",
  96: "⛈ thunderstorm with hail",
  99: "⛈ thunderstorm with hail",
};

export function describeCode(code: number): string {
  return WMO[code] ?? `weather code ${code}`;
}

/** Thrown when Deno refuses the connection: the operator has not granted the host. */
export class NotPermittedError extends Error {
  override name = "NotPermittedError";
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

/** Decodes the geocoding answer (the edge: nothing from the network is trusted). */
export function parsePlace(body: unknown): Place | null {
  const first = (body as { results?: unknown[] })?.results?.[0] as
    | Record<string, unknown>
    | undefined;
  if (!first) return null;
  const name = str(first.name), latitude = num(first.latitude), longitude = num(first.longitude);
  if (!name || latitude === undefined || longitude === undefined) {
    throw new Error("geocoding reply without name/coordinates");
  }
  const admin1 = str(first.admin1);
  return {
    name,
    country: str(first.country) ?? "",
    latitude,
    longitude,
    ...(admin1 ? { admin1 } : {}),
  };
}

export function parseCurrent(body: unknown): Current {
  const c = (body as { current?: Record<string, unknown> })?.current;
  const values = {
    temperature: num(c?.temperature_2m),
    apparent: num(c?.apparent_temperature),
    humidity: num(c?.relative_humidity_2m),
    wind: num(c?.wind_speed_10m),
    code: num(c?.weather_code),
  };
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) throw new Error(`forecast reply without current.${key}`);
  }
  return values as Current;
}

export function formatWeather(place: Place, now: Current, units: "metric" | "imperial"): string {
  const t = units === "imperial" ? "°F" : "°C";
  const w = units === "imperial" ? "mph" : "km/h";
  const where = [place.name, place.admin1 !== place.name ? place.admin1 : undefined, place.country]
    .filter(Boolean).join(", ");
  return `Weather in ${where}: ${describeCode(now.code)}, ${now.temperature.toFixed(1)}${t} ` +
    `(feels like ${now.apparent.toFixed(1)}${t}), humidity ${Math.round(now.humidity)}%, wind ${
      Math.round(now.wind)
    } ${w}`;
}

interface Settings {
  geocodingUrl: string;
  forecastUrl: string;
  units: "metric" | "imperial";
  timeoutMs: number;
}

function settings(config: Readonly<Record<string, unknown>>): Settings {
  const url = (key: string, fallback: string) => {
    const value = str(config[key]) ?? fallback;
    try {
      return new URL(value).href.replace(/\/$/, "");
    } catch {
      throw new UsageError(
        `plugins.weather.config.${key} is not a URL; ask the operator to fix it.`,
      );
    }
  };
  return {
    geocodingUrl: url("geocodingUrl", "https://geocoding-api.open-meteo.com"),
    forecastUrl: url("forecastUrl", "https://api.open-meteo.com"),
    units: config.units === "imperial" ? "imperial" : "metric",
    timeoutMs: num(config.timeoutMs) ?? 4000,
  };
}

async function getJson(url: URL, ctx: CommandContext, timeoutMs: number): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]),
    });
  } catch (error) {
    // Deno's permission check runs before any DNS or connection: this is the operator's "no".
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      throw new NotPermittedError(url.host, { cause: error });
    }
    if (error instanceof DOMException && error.name === "TimeoutError") {
      throw new UsageError("The weather service did not answer in time; try again later.");
    }
    throw new UsageError("I can't reach the weather service right now; try again later.", {
      cause: error,
    });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new UsageError(`The weather service answered ${response.status}; try again later.`);
  }
  return await response.json();
}

async function weather(ctx: CommandContext): Promise<string> {
  const userKey = `place:${
    ctx.user.name.toLowerCase().replace(/[^a-z0-9_.:-]/g, "_").slice(0, 100)
  }`;
  const asked = ctx.rawArgs.trim() || (await ctx.storage.get<string>(userKey));
  if (!asked) throw new UsageError("Where? !weather <place>, e.g. !weather Paris");
  if (asked.length > 100) throw new UsageError("That place name is too long.");
  const s = settings(ctx.config);
  try {
    const search = new URL(`${s.geocodingUrl}/v1/search`);
    search.search = new URLSearchParams({ name: asked, count: "1", language: "en", format: "json" })
      .toString();
    const place = parsePlace(await getJson(search, ctx, s.timeoutMs));
    if (!place) return `I can't find a place called "${asked}".`;
    const forecast = new URL(`${s.forecastUrl}/v1/forecast`);
    forecast.search = new URLSearchParams({
      latitude: String(place.latitude),
      longitude: String(place.longitude),
      current:
        "temperature_2m,apparent_temperature,relative_humidity_2m,wind_speed_10m,weather_code",
      ...(s.units === "imperial" ? { temperature_unit: "fahrenheit", wind_speed_unit: "mph" } : {}),
    }).toString();
    const now = parseCurrent(await getJson(forecast, ctx, s.timeoutMs));
    await ctx.storage.set(userKey, asked);
    return formatWeather(place, now, s.units);
  } catch (error) {
    if (!(error instanceof NotPermittedError)) throw error;
    // The same answer every time: the manager reports the missing grant to the operator once.
    // A bare host in rosey.yaml means port 443: name the port when it is another one.
    const hosts = [
      ...new Set([s.geocodingUrl, s.forecastUrl].map((u) => {
        const url = new URL(u);
        const port = url.port || (url.protocol === "https:" ? "443" : "80");
        return port === "443" ? url.hostname : `${url.hostname}:${port}`;
      })),
    ];
    return `Weather needs a grant the operator has not given yet: rosey.yaml ` +
      `plugins.weather.grants.net: ${JSON.stringify(hosts)}.`;
  }
}

export default definePlugin({
  name: "weather",
  version: "1.0.0",
  description: "Current weather for a place (!weather Paris), from an Open-Meteo-style API.",
  extras: { net: [ANY_GRANTED_HOST] },
  commands: {
    weather: {
      aliases: ["w"],
      usage: "!weather [place]",
      help: "Current weather for a place; without one, the place you asked for last time.",
      cooldownMs: 2000,
      handler: weather,
    },
  },
});
