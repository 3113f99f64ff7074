export * from "./group_commit.ts";
export * from "./sequence_watch.ts";
