/**
 * The HTTP API (JSON): Rosey's routes with the same meaning (`/api/stats`, `/api/history/<hours>`,
 * `/api/user/<name>`, `/api/current`, `/api/say`, `/api/tokens`, `/api/outbound/recent`; the
 * map is in docs/OPERATIONS.md) plus the dashboard's own (status, plugins and their control,
 * violations, channels, the live event stream). Mounted behind `requireCaller`.
 */
import { type Source, subjects } from "@quicksilver/core";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import { apiError, requireScope, type WebEnv } from "./access.ts";
import { TOKEN_SCOPES, type TokenStore } from "./api_tokens.ts";
import type { ChannelQueries } from "./channel_queries.ts";
import type { History } from "./history.ts";
import type { LiveState } from "./live_state.ts";
import { openApiDocument } from "./openapi.ts";
import { pluginLogLines } from "./plugin_log.ts";
import type { SayOutbox } from "./say_outbox.ts";
import type { EventBus } from "@quicksilver/core";
import { AdminReplySchema } from "./admin_reply.ts";
import { WEB_PLUGIN_OPS } from "./web_role.ts";

export interface ApiDeps {
  bus: EventBus;
  live: LiveState;
  queries: ChannelQueries;
  history: History;
  outbox: SayOutbox;
  tokens: TokenStore;
  /** The channels the bot is known to be in; the first is the default of every query. */
  channels: () => Source[];
  /** The bot's log file, for a plugin's recent lines. */
  logFile?: string;
  /** Aborted when the service stops: open event streams end, so the server can shut down. */
  closing: AbortSignal;
}

const SayBodySchema = z.object({
  text: z.string().trim().min(1, "text is empty").max(2000),
  platform: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
  channel: z.string().min(1).max(200).optional(),
});
const TokenBodySchema = z.object({
  name: z.string().trim().min(1).max(100),
  scope: z.enum(TOKEN_SCOPES).default("read"),
});
const PLUGIN_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** A platform is one subject token (`subjects.platformAction` would refuse anything else). */
const PLATFORM = /^[A-Za-z0-9_-]{1,64}$/;

export function apiRoutes(deps: ApiDeps): Hono<WebEnv> {
  const api = new Hono<WebEnv>();
  const read = requireScope("read");
  const say = requireScope("say");
  const admin = requireScope("admin");

  /** The channel a query names (`?platform=&channel=`), else the first configured one. */
  const sourceOf = (platform?: string, channel?: string): Source | undefined => {
    if (platform && channel) return { platform, channel };
    const channels = deps.channels();
    return channels.find((s) => !platform || s.platform === platform) ?? channels[0];
  };
  const unavailable = (c: Parameters<typeof apiError>[0], what: string, error: unknown) =>
    apiError(c, 503, "unavailable", `${what} did not answer: ${String(error).slice(0, 200)}`);

  api.get("/session", read, (c) => {
    const caller = c.get("caller");
    return c.json({
      ok: true,
      user: caller.user,
      scope: caller.scope,
      ...(caller.kind === "session" ? { csrf: caller.csrf } : {}),
    });
  });

  api.get("/openapi.json", read, (c) => c.json(openApiDocument()));

  // --- Rosey's routes ---------------------------------------------------------------------------
  api.get("/stats", read, async (c) => {
    const source = sourceOf(c.req.query("platform"), c.req.query("channel"));
    if (!source) return apiError(c, 404, "no_channel", "no channel is configured");
    try {
      const reply = await deps.queries.channelStats(source);
      if (!reply.ok) return apiError(c, 502, reply.error.code, reply.error.message);
      return c.json({ ok: true, stats: reply.stats });
    } catch (error) {
      return unavailable(c, "the stats service", error);
    }
  });

  api.get("/history/:hours", read, (c) => {
    const hours = Number(c.req.param("hours"));
    if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 7) {
      return apiError(c, 400, "invalid_args", "hours must be a number from 1 to 168");
    }
    const platform = c.req.query("platform");
    const channel = c.req.query("channel");
    const source = platform && channel ? { platform, channel } : undefined;
    return c.json({ ok: true, hours, samples: deps.history.since(hours, source) });
  });

  api.get("/user/:name", read, async (c) => {
    const source = sourceOf(c.req.query("platform"), c.req.query("channel"));
    if (!source) return apiError(c, 404, "no_channel", "no channel is configured");
    try {
      const reply = await deps.queries.userStats(source, c.req.param("name"));
      if (!reply.ok) return apiError(c, 502, reply.error.code, reply.error.message);
      if (!reply.user) {
        return apiError(c, 404, "unknown_user", `${c.req.param("name")} was never seen here`);
      }
      return c.json({ ok: true, user: reply.user });
    } catch (error) {
      return unavailable(c, "the stats service", error);
    }
  });

  api.get("/current", read, async (c) => {
    const source = sourceOf(c.req.query("platform"), c.req.query("channel"));
    if (!source) return apiError(c, 404, "no_channel", "no channel is configured");
    try {
      const snapshot = await deps.queries.snapshot(source);
      return c.json({ ok: true, source, current: snapshot.current ?? null });
    } catch (error) {
      return unavailable(c, `the ${source.platform} connector`, error);
    }
  });

  api.post("/say", say, async (c) => {
    const body = SayBodySchema.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success) {
      return apiError(
        c,
        400,
        "invalid_args",
        `send {"text": "..."} (${body.error.issues[0]?.message})`,
      );
    }
    const source = sourceOf(body.data.platform, body.data.channel);
    if (!source) return apiError(c, 404, "no_channel", "no channel is configured");
    if (!PLATFORM.test(source.platform)) {
      return apiError(c, 400, "invalid_args", "the platform is a name like cytube or shell");
    }
    const item = await deps.outbox.enqueue(
      { ...source, text: body.data.text },
      c.get("caller").user,
    );
    return c.json({ ok: true, queued: item }, 202);
  });

  api.get("/outbound/recent", read, (c) => {
    const limit = Math.min(200, Math.max(1, Number(c.req.query("limit") ?? 50) || 50));
    return c.json({ ok: true, items: deps.outbox.recent(limit) });
  });

  api.get("/tokens", admin, (c) => c.json({ ok: true, tokens: deps.tokens.list() }));
  api.post("/tokens", admin, async (c) => {
    const body = TokenBodySchema.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success) {
      return apiError(c, 400, "invalid_args", `send {"name": "...", "scope": "read|say|admin"}`);
    }
    const created = await deps.tokens.create(body.data.name, body.data.scope, c.get("caller").user);
    return c.json({ ok: true, token: created.token, info: created.info }, 201);
  });
  api.delete("/tokens/:id", admin, async (c) => {
    const revoked = await deps.tokens.revoke(c.req.param("id"));
    return revoked
      ? c.json({ ok: true })
      : apiError(c, 404, "unknown_token", "no live token has that id");
  });

  // --- the dashboard's own -----------------------------------------------------------------------
  api.get("/status", read, (c) => c.json({ ok: true, ...deps.live.status() }));
  api.get("/violations", read, (c) => c.json({ ok: true, violations: deps.live.violations() }));
  api.get("/channels", read, (c) => c.json({ ok: true, channels: deps.channels() }));

  api.get("/channel/:platform/:channel", read, async (c) => {
    const source = { platform: c.req.param("platform"), channel: c.req.param("channel") };
    if (!PLATFORM.test(source.platform)) {
      return apiError(c, 400, "invalid_args", "the platform is a name like cytube or shell");
    }
    const chat = deps.live.chat(source.platform, source.channel);
    try {
      const snapshot = await deps.queries.snapshot(source);
      return c.json({ ok: true, snapshot, chat });
    } catch (error) {
      return unavailable(c, `the ${source.platform} connector`, error);
    }
  });

  api.get("/plugins/:name", read, async (c) => {
    const name = c.req.param("name");
    const status = deps.live.status().plugins.find((p) => p.name === name);
    if (!status) return apiError(c, 404, "unknown_plugin", `no plugin named ${name} is known`);
    return c.json({
      ok: true,
      plugin: status,
      log: deps.logFile ? await pluginLogLines(deps.logFile, name) : [],
    });
  });

  api.post("/plugins/:name/:op", admin, async (c) => {
    const name = c.req.param("name");
    const asked = c.req.param("op");
    if (!PLUGIN_NAME.test(name)) return apiError(c, 400, "invalid_args", "not a plugin name");
    // Release from quarantine is a start the operator asked for (the supervisor lets it out).
    const op = asked === "release" ? "start" : asked;
    if (!(WEB_PLUGIN_OPS as readonly string[]).includes(op) || op === "list") {
      return apiError(c, 404, "unknown_operation", "use start, stop, restart or release");
    }
    try {
      const reply = await deps.bus.request(subjects.adminPlugins(op), { plugin: name }, {
        timeoutMs: 30_000,
        schema: AdminReplySchema,
      });
      if (!reply.ok) return apiError(c, 400, reply.error.code, reply.error.message);
      return c.json({ ok: true, plugin: reply.plugins[0] ?? null });
    } catch (error) {
      return unavailable(c, "the plugin manager", error);
    }
  });

  api.get("/events", read, (c) =>
    streamSSE(c, async (stream) => {
      const queue: { event: string; data: string }[] = [];
      let wake: (() => void) | undefined;
      const stop = deps.live.listen((change) => {
        queue.push({ event: change.event, data: JSON.stringify(change.data) });
        if (queue.length > 500) queue.splice(0, queue.length - 500);
        wake?.();
      });
      const end = () => wake?.();
      stream.onAbort(() => {
        stop();
        end();
      });
      deps.closing.addEventListener("abort", end);
      await stream.writeSSE({ event: "status", data: JSON.stringify(deps.live.status()) });
      while (!stream.aborted && !stream.closed && !deps.closing.aborted) {
        const next = queue.shift();
        if (next) {
          await stream.writeSSE(next);
          continue;
        }
        await new Promise<void>((resolve) => {
          // A comment line now and then keeps proxies from closing an idle stream.
          const timer = setTimeout(resolve, 15_000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
        if (queue.length === 0 && !stream.aborted && !deps.closing.aborted) {
          await stream.write(": keep-alive\n\n");
        }
      }
      deps.closing.removeEventListener("abort", end);
      stop();
    }));

  api.all("*", (c) => apiError(c, 404, "not_found", `no API route ${c.req.method} ${c.req.path}`));
  return api;
}
