/**
 * The OpenAPI 3.1 description served at `/api/openapi.json`: every route, its scope and its
 * answers, so an operator's script can be written against it.
 */

type Scope = "read" | "say" | "admin";

const json = (description: string) => ({
  description,
  content: { "application/json": { schema: { type: "object" } } },
});

const errors = {
  "401": json("no session and no valid API token"),
  "403": json("the token's scope is too small, or the CSRF header is missing (sessions)"),
};

function op(summary: string, scope: Scope, extra: Record<string, unknown> = {}) {
  return {
    summary,
    "x-scope": scope,
    security: [{ bearer: [] }, { session: [] }],
    responses: { "200": json("ok"), ...errors },
    ...extra,
  };
}

const channelQuery = [
  { name: "platform", in: "query", required: false, schema: { type: "string" } },
  { name: "channel", in: "query", required: false, schema: { type: "string" } },
];
const pathParam = (name: string, type = "string") => ({
  name,
  in: "path",
  required: true,
  schema: { type },
});

/** The document, built on each call (it is small). */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "Quicksilver web API",
      version: "1",
      description: "Rosey's HTTP API on the bus, plus plugin control. Tokens: Authorization: " +
        "Bearer qst_...; scopes read < say < admin. Sessions (the dashboard) send x-csrf-token " +
        "on every POST and DELETE.",
    },
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer" },
        session: { type: "apiKey", in: "cookie", name: "qs_session" },
      },
    },
    paths: {
      "/healthz": {
        get: { summary: "liveness, no login", security: [], responses: { "200": json("ok") } },
      },
      "/api/session": { get: op("who is asking: user, scope, CSRF token (sessions)", "read") },
      "/api/stats": {
        get: op("channel stats: peaks, unique users, chat lines, top chatters", "read", {
          parameters: channelQuery,
        }),
      },
      "/api/history/{hours}": {
        get: op("users, viewers and chat lines sampled over the last hours (1-168)", "read", {
          parameters: [pathParam("hours", "number"), ...channelQuery],
        }),
      },
      "/api/user/{name}": {
        get: op("one user's stats", "read", { parameters: [pathParam("name"), ...channelQuery] }),
      },
      "/api/current": { get: op("what is playing now", "read", { parameters: channelQuery }) },
      "/api/say": {
        post: op("queue a chat line (persisted, retried, sent once)", "say", {
          requestBody: {
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  required: ["text"],
                  properties: {
                    text: { type: "string" },
                    platform: { type: "string" },
                    channel: { type: "string" },
                  },
                },
              },
            },
          },
          responses: { "202": json("queued"), ...errors },
        }),
      },
      "/api/outbound/recent": { get: op("recent say lines and their state", "read") },
      "/api/tokens": {
        get: op("list API tokens (never their secrets)", "admin"),
        post: op("create a token {name, scope}; the secret is in this answer only", "admin"),
      },
      "/api/tokens/{id}": {
        delete: op("revoke a token", "admin", { parameters: [pathParam("id")] }),
      },
      "/api/status": { get: op("components and plugins, as deno task status", "read") },
      "/api/violations": { get: op("recent security violations, newest first", "read") },
      "/api/channels": { get: op("the configured channels", "read") },
      "/api/channel/{platform}/{channel}": {
        get: op("users, playlist, now playing and recent chat of a channel", "read", {
          parameters: [pathParam("platform"), pathParam("channel")],
        }),
      },
      "/api/plugins/{name}": {
        get: op("a plugin: state, manifest, recent log lines", "read", {
          parameters: [pathParam("name")],
        }),
      },
      "/api/plugins/{name}/{op}": {
        post: op("start, stop, restart, or release (from quarantine) a plugin", "admin", {
          parameters: [pathParam("name"), {
            ...pathParam("op"),
            schema: { enum: ["start", "stop", "restart", "release"] },
          }],
        }),
      },
      "/api/events": {
        get: op("server-sent events: status, violation, chat", "read"),
      },
      "/api/openapi.json": { get: op("this document", "read") },
    },
  };
}
