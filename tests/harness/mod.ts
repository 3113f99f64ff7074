export * from "@quicksilver/testbed";
export * from "./dev_process.ts";
