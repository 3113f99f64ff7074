/**
 * The `web` service: the dashboard and the HTTP API, on hono over `Deno.serve`, talking to the
 * rest of the bot only over NATS as `svc-web` ({@linkcode webRole}). Every asset is served from
 * `services/web/static/` (no CDN). Nothing but `/healthz`, `/login` and the static files
 * answers without a login.
 */
import {
  type Delivery,
  type EventBus,
  type Logger,
  silentLogger,
  type Source,
  startHealthReporter,
} from "@quicksilver/core";
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { type AccessOptions, apiError, findCaller, requireCaller, type WebEnv } from "./access.ts";
import { AccountStore, type FirstRunCredentials } from "./accounts.ts";
import { apiRoutes } from "./api_routes.ts";
import { TokenStore } from "./api_tokens.ts";
import { ChannelQueries } from "./channel_queries.ts";
import { WebListenError } from "./errors.ts";
import { History } from "./history.ts";
import { KnownChannels } from "./known_channels.ts";
import { LiveState } from "./live_state.ts";
import { LoginLimiter } from "./login_limiter.ts";
import { SayOutbox } from "./say_outbox.ts";
import { SESSION_COOKIE, SessionStore } from "./sessions.ts";
import { isLoopback, parseListen, type WebConfig } from "./web_config.ts";

export interface WebServiceOptions {
  config: WebConfig;
  /** Where the service keeps accounts, tokens, the say outbox and history (`.rosey/web`). */
  stateDir: string;
  /**
   * Channels known up front (tests); others are learnt from the bus as the bot joins them. The
   * first is the default of every query.
   */
  channels?: Source[];
  /** The bot's log file, for a plugin's recent lines. */
  logFile?: string;
  healthIntervalMs?: number;
  /** Say outbox timings (tests shorten them). */
  outbox?: { requestTimeoutMs?: number; retryDelayMs?: number };
  /** `nats.delivery`: how the say outbox sends its lines. Default `live`. */
  delivery?: Delivery;
  logger?: Logger;
}

const LoginBodySchema = z.object({
  user: z.string().min(1).max(64),
  password: z.string().min(1).max(1000),
});

/** Page paths that all load the one dashboard shell (`static/app.html`). */
const PAGES = ["/", "/stats", "/violations", "/plugins/:name", "/channels/:platform/:channel"];

const STATIC_TYPES: Record<string, string> = {
  "app.html": "text/html; charset=utf-8",
  "login.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "charts.js": "text/javascript; charset=utf-8",
  "login.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
};

const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; " +
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; " +
    "form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

export class WebService {
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #closers: (() => Promise<void> | void)[];
  readonly #closing: AbortController;
  /** `http(s)://host:port` as bound. */
  readonly url: string;
  /** Set when this run created the first account: show it once, then it is gone. */
  readonly firstRun: FirstRunCredentials | undefined;

  private constructor(
    server: Deno.HttpServer<Deno.NetAddr>,
    url: string,
    firstRun: FirstRunCredentials | undefined,
    closing: AbortController,
    closers: (() => Promise<void> | void)[],
  ) {
    this.#server = server;
    this.#closing = closing;
    this.url = url;
    this.firstRun = firstRun;
    this.#closers = closers;
  }

  /**
   * Opens the state, subscribes to the live subjects and listens on `config.listen`. Throws
   * {@linkcode WebListenError} (one line: what and the fix) when the address cannot be bound.
   */
  static async start(bus: EventBus, options: WebServiceOptions): Promise<WebService> {
    const log = (options.logger ?? silentLogger).child({ component: "web" });
    const { config } = options;
    const { hostname, port } = parseListen(config.listen);
    const tls = config.tls
      ? {
        cert: await readPem("web.tls.cert", config.tls.cert),
        key: await readPem("web.tls.key", config.tls.key),
      }
      : undefined;
    const { accounts, firstRun } = await AccountStore.open(config.accounts, options.stateDir);
    const tokens = await TokenStore.open(options.stateDir);
    const sessions = new SessionStore({ ttlMs: config.sessionHours * 3600_000 });
    const limiter = new LoginLimiter({ attempts: config.loginAttempts });
    const queries = new ChannelQueries(bus);
    const channels = await KnownChannels.open(options.stateDir, options.channels);
    const live = new LiveState(bus, (source) => channels.add(source));
    await live.start();
    const outbox = await SayOutbox.open(bus, options.stateDir, {
      ...options.outbox,
      ...(options.delivery ? { delivery: options.delivery } : {}),
      logger: log,
    });
    const history = await History.open(options.stateDir, queries, {
      channels: () => channels.list(),
      intervalMs: config.historyIntervalSeconds * 1000,
      logger: log,
    });
    const closing = new AbortController();
    const closers: (() => Promise<void> | void)[] = [
      () => history.close(),
      () => outbox.close(),
      () => live.close(),
      () => channels.close(),
    ];
    const cookieName = tls ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
    const access: AccessOptions = { sessions, tokens, cookieName };
    const staticFiles = await loadStatic();

    const app = new Hono<WebEnv>();
    app.use("*", async (c, next) => {
      await next();
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
      if (tls) c.header("strict-transport-security", "max-age=31536000");
    });
    app.get("/healthz", (c) => c.json({ ok: true }));
    app.get("/static/:file", (c) => {
      const file = c.req.param("file");
      const body = staticFiles.get(file);
      if (body === undefined) return c.text("not found", 404);
      return c.body(body, 200, {
        "content-type": STATIC_TYPES[file]!,
        "cache-control": "no-cache",
      });
    });
    app.get("/login", (c) => c.html(staticFiles.get("login.html")!));
    app.post("/login", async (c) => {
      // JSON only: a cross-site form cannot send it without a preflight we never allow, so
      // nobody can log a browser in behind its user's back (login CSRF).
      if (!(c.req.header("content-type") ?? "").startsWith("application/json")) {
        return apiError(c, 400, "invalid_args", 'send JSON {"user": "...", "password": "..."}');
      }
      const body = LoginBodySchema.safeParse(await c.req.json().catch(() => undefined));
      if (!body.success) {
        return apiError(c, 400, "invalid_args", 'send JSON {"user": "...", "password": "..."}');
      }
      const address = c.env.remoteAddr.hostname;
      const wait = limiter.retryAfterSeconds(address, body.data.user);
      if (wait > 0) {
        c.header("retry-after", String(wait));
        return apiError(
          c,
          429,
          "too_many_attempts",
          `too many failed logins; try again in ${wait} s`,
        );
      }
      if (!await accounts.verify(body.data.user, body.data.password)) {
        limiter.failed(address, body.data.user);
        log.info("login failed", { user: body.data.user, address });
        return apiError(c, 401, "bad_credentials", "wrong user name or password");
      }
      limiter.succeeded(address, body.data.user);
      const { id, session } = sessions.create(body.data.user);
      setCookie(c, cookieName, id, {
        httpOnly: true,
        sameSite: "Strict",
        path: "/",
        secure: tls !== undefined,
        maxAge: Math.round(config.sessionHours * 3600),
      });
      log.info("login", { user: body.data.user, address });
      return c.json({ ok: true, user: session.user, csrf: session.csrf });
    });
    app.post("/logout", (c) => {
      sessions.delete(getCookie(c, cookieName));
      deleteCookie(c, cookieName, { path: "/" });
      return c.redirect("/login", 303);
    });
    app.use("/api/*", requireCaller(access));
    app.route(
      "/api",
      apiRoutes({
        bus,
        live,
        queries,
        history,
        outbox,
        tokens,
        channels: () => channels.list(),
        ...(options.logFile ? { logFile: options.logFile } : {}),
        closing: closing.signal,
      }),
    );
    for (const page of PAGES) {
      app.get(page, async (c) => {
        const caller = await findCaller(c, access);
        if (caller?.kind !== "session") return c.redirect("/login", 303);
        return c.html(staticFiles.get("app.html")!);
      });
    }
    app.notFound((c) => c.text("not found", 404));
    app.onError((error, c) => {
      log.error("request failed", { path: c.req.path, error: String(error) });
      return c.json({ ok: false, error: { code: "failed", message: "internal error" } }, 500);
    });

    let server: Deno.HttpServer<Deno.NetAddr>;
    try {
      server = Deno.serve({
        hostname,
        port,
        onListen: () => {},
        ...(tls ?? {}),
      }, (request, info) => app.fetch(request, info));
    } catch (error) {
      for (const close of closers) await close();
      const fix = error instanceof Deno.errors.AddrInUse
        ? `is in use; set web.listen in rosey.yaml to a free port, e.g. "${hostname}:${port + 1}"`
        : `cannot be bound (${(error as Error).message}); set web.listen in rosey.yaml to an ` +
          `address of this machine, e.g. "127.0.0.1:8080"`;
      throw new WebListenError(`web.listen ${config.listen} ${fix}`, { cause: error });
    }
    const bound = server.addr;
    const shownHost = bound.hostname.includes(":") ? `[${bound.hostname}]` : bound.hostname;
    const url = `${tls ? "https" : "http"}://${shownHost}:${bound.port}`;
    if (!isLoopback(hostname) && !tls) {
      log.warn(
        `the dashboard listens on ${config.listen} without TLS: passwords and session cookies ` +
          `cross the network in clear; set web.tls (cert, key) or bind 127.0.0.1`,
      );
    }
    closers.unshift(startHealthReporter(bus, {
      component: "web",
      intervalMs: options.healthIntervalMs ?? 5000,
      stats: () => ({ queued: outbox.recent(200).filter((i) => i.state === "queued").length }),
    }));
    log.info("dashboard ready", { url });
    return new WebService(server, url, firstRun, closing, closers);
  }

  /** Ends open event streams, stops listening, then the outbox, history and subscriptions. */
  async close(): Promise<void> {
    // Event streams never end by themselves: shutdown() waits for every open response.
    this.#closing.abort();
    await this.#server.shutdown();
    for (const close of this.#closers) await close();
  }
}

/** A PEM file named in the config; unreadable: one line naming the key and what to write. */
async function readPem(key: string, path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    throw new WebListenError(
      `${key}: cannot read ${path} (${(error as Error).message}); write the path of a PEM file`,
      { cause: error },
    );
  }
}

async function loadStatic(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const name of Object.keys(STATIC_TYPES)) {
    files.set(name, await Deno.readTextFile(new URL(`./static/${name}`, import.meta.url)));
  }
  return files;
}
