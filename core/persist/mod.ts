export * from "./group_commit.ts";
