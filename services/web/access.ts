/**
 * Who is asking, for every `/api/*` route and page: a browser session (cookie, then every
 * state change needs the session's CSRF token in `x-csrf-token`) or an API token (`Authorization:
 * Bearer`, no cookie, so no CSRF to fear). Nothing answers without one of them: 401.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { scopeAllows, type TokenScope, type TokenStore } from "./api_tokens.ts";
import type { SessionStore } from "./sessions.ts";
import { constantTimeEqual } from "./password.ts";

/** The caller of a request, once authenticated. */
export type Caller =
  | { kind: "session"; user: string; scope: "admin"; csrf: string; sessionId: string }
  | { kind: "token"; user: string; scope: TokenScope; tokenId: string };

/** Hono's environment for this app: Deno's connection info and the caller. */
export type WebEnv = {
  Bindings: Deno.ServeHandlerInfo<Deno.NetAddr>;
  Variables: { caller: Caller };
};

/** A JSON error body: a stable code and a message, as errors cross the bus (STYLE 14). */
export function apiError(
  c: Context,
  status: 400 | 401 | 403 | 404 | 429 | 502 | 503,
  code: string,
  message: string,
) {
  return c.json({ ok: false, error: { code, message } }, status);
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const encoder = new TextEncoder();

export interface AccessOptions {
  sessions: SessionStore;
  tokens: TokenStore;
  cookieName: string;
}

/** Resolves the caller from the cookie or bearer token; undefined when there is none. */
export async function findCaller(
  c: Context<WebEnv>,
  o: AccessOptions,
): Promise<Caller | undefined> {
  const header = c.req.header("authorization");
  if (header !== undefined) {
    const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const token = bearer ? await o.tokens.authenticate(bearer) : undefined;
    return token
      ? { kind: "token", user: `token:${token.name}`, scope: token.scope, tokenId: token.id }
      : undefined;
  }
  const sessionId = getCookie(c, o.cookieName);
  const session = o.sessions.get(sessionId);
  if (!session || !sessionId) return undefined;
  return { kind: "session", user: session.user, scope: "admin", csrf: session.csrf, sessionId };
}

/**
 * `/api/*` guard: 401 without a caller; 403 for a cookie-authenticated state change whose
 * `x-csrf-token` is missing or wrong. Sets `caller` for the routes.
 */
export function requireCaller(o: AccessOptions): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const caller = await findCaller(c, o);
    if (!caller) {
      c.header("www-authenticate", 'Bearer realm="quicksilver"');
      return apiError(
        c,
        401,
        "unauthorized",
        "log in, or send an API token as Authorization: Bearer <token>",
      );
    }
    if (caller.kind === "session" && !SAFE_METHODS.has(c.req.method)) {
      const sent = c.req.header("x-csrf-token") ?? "";
      if (!constantTimeEqual(encoder.encode(sent), encoder.encode(caller.csrf))) {
        return apiError(c, 403, "csrf", "missing or wrong x-csrf-token header; reload the page");
      }
    }
    c.set("caller", caller);
    await next();
  };
}

/** A route that needs at least `scope`: 403 naming the scope otherwise. */
export function requireScope(scope: TokenScope): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const caller = c.get("caller");
    if (!scopeAllows(caller.scope, scope)) {
      return apiError(
        c,
        403,
        "forbidden",
        `this needs a token with the "${scope}" scope; this one has "${caller.scope}"`,
      );
    }
    await next();
  };
}
