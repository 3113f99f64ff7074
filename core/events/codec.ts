/**
 * Decoding at the edge with zod: everything that crosses the bus is JSON; decode validates with
 * a zod schema once, and the rest of the code trusts the typed value. The zod-free half (JSON,
 * `validate` against any validator) is `json.ts`.
 */
import type { z } from "zod";
import { type Envelope, EnvelopeSchema } from "./envelope.ts";
import { parseJson, validate } from "./json.ts";

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
