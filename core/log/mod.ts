export * from "./logger.ts";
export { RotatingFile, type RotatingFileOptions } from "./rotating_file.ts";
