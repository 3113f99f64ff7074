/**
 * The test bed: a real nats-server on free ports with its own operator and accounts
 * ({@linkcode startEphemeralNatsServer}, {@linkcode TestNats}), clients with any rights, and
 * waiting on events with deadlines. Used by the plugin authors' `@quicksilver/sdk/testing`, by
 * `tests/harness` and, for the server launcher ({@linkcode NatsServer}), by `deno task dev`.
 * It imports only the core: never `tests/` or `scripts/`.
 *
 * @module
 */
export * from "./nats_server.ts";
export * from "./test_nats.ts";
export * from "./wait.ts";
