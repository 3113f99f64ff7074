export * from "./subjects.ts";
export * from "./subject_matcher.ts";
export * from "./errors.ts";
