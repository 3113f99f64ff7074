export * from "@quicksilver/testbed";
export * from "./dev_process.ts";
export * from "./process_state.ts";
export * from "./irc_servers.ts";
