/**
 * JSON at the edge, and validation against any {@linkcode Validator}: a zod 4 schema, classic or
 * `zod/mini` (the bus passes a compiled one: `compiledValidator` in codec.ts).
 *
 * @module
 */
import { EventDecodeError } from "./errors.ts";

/** One problem with a value: where (`payload.user.name`) and what. */
export interface ValidationIssue {
  path: readonly PropertyKey[];
  message: string;
}

export type ValidationResult<T> =
  | { success: true; data: T }
  | { success: false; error: { issues: readonly ValidationIssue[] } };

/** Anything with zod's `safeParse` contract: zod schemas are validators as they are. */
export interface Validator<T> {
  safeParse(value: unknown): ValidationResult<T>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Parses JSON bytes or text; a syntax error becomes an {@linkcode EventDecodeError}. */
export function parseJson(data: Uint8Array | string): unknown {
  const text = typeof data === "string" ? data : decoder.decode(data);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new EventDecodeError(`not JSON: ${(cause as Error).message}`, {
      field: "(root)",
      issues: [{ path: "(root)", message: "not JSON" }],
    }, { cause });
  }
}

/** Validates `value`, throwing an {@linkcode EventDecodeError} that names the first bad field. */
export function validate<T>(schema: Validator<T>, value: unknown, what = "value"): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.length > 0 ? issue.path.map(String).join(".") : "(root)",
    message: issue.message,
  }));
  const first = issues[0] ?? { path: "(root)", message: "invalid" };
  throw new EventDecodeError(`${what}: ${first.path}: ${first.message}`, {
    field: first.path,
    issues,
  });
}
