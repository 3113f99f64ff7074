/**
 * Encoding and decoding at the edge. Everything that crosses the bus is JSON; decode validates
 * with a zod schema once, and the rest of the code trusts the typed value.
 */
import type { z } from "zod";
import { type Envelope, EnvelopeSchema } from "./envelope.ts";
import { EventDecodeError } from "./errors.ts";

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

/** Validates `value` against `schema`, throwing an error that names the first bad field. */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what = "value",
): z.infer<S> {
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

/** Decodes bytes into a value checked by `schema`. */
export function decode<S extends z.ZodType>(
  schema: S,
  data: Uint8Array | string,
  what?: string,
): z.infer<S> {
  return validate(schema, parseJson(data), what);
}

const envelopeSchemas = new WeakMap<z.ZodType, z.ZodType>();

/** An envelope schema with a typed payload (cached per payload schema). */
export function envelopeOf<S extends z.ZodType>(
  payloadSchema: S,
): z.ZodType<Envelope<z.infer<S>>> {
  let schema = envelopeSchemas.get(payloadSchema);
  if (!schema) {
    schema = EnvelopeSchema.extend({ payload: payloadSchema });
    envelopeSchemas.set(payloadSchema, schema);
  }
  return schema as z.ZodType<Envelope<z.infer<S>>>;
}

/**
 * Decodes an envelope (bytes, text or an already-parsed value) and checks its payload with
 * `payloadSchema`; errors name the field from the envelope's root (`payload.user.name`).
 */
export function decodeEnvelope<S extends z.ZodType>(
  payloadSchema: S,
  data: unknown,
): Envelope<z.infer<S>> {
  const raw = typeof data === "string" || data instanceof Uint8Array ? parseJson(data) : data;
  return validate(envelopeOf(payloadSchema), raw, "envelope");
}
