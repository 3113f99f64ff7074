export * from "./test_nats.ts";
export * from "./wait.ts";
export * from "./dev_process.ts";
export * from "./process_state.ts";
export * from "./irc_servers.ts";
