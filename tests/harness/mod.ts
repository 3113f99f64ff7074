export * from "./test_nats.ts";
export * from "./wait.ts";
