/**
 * Decoding at the edge with zod: everything that crosses the bus is JSON; decode validates with
 * a zod schema once, and the rest of the code trusts the typed value. Schemas may be written
 * with `zod` or `zod/mini` (both are zod 4: the same `$ZodType` underneath).
 */
import { z } from "./_zod.ts";
import { type Envelope, EnvelopeSchema } from "./envelope.ts";
import { parseJson, validate, type Validator } from "./json.ts";

/** Any zod 4 schema, classic (`zod`) or mini (`zod/mini`). */
export type Schema<T = unknown> = z.core.$ZodType<T>;

/** Decodes bytes into a value checked by `schema`. */
export function decode<S extends Schema>(
  schema: S,
  data: Uint8Array | string,
  what?: string,
): z.infer<S> {
  return validate(compiledSchema(schema), parseJson(data), what) as z.infer<S>;
}

const compiledSchemas = new WeakMap<object, Validator<unknown>>();

/**
 * The validator to run per message: a zod schema compiled with `z.compile` on its first use
 * (generated code that returns the same values and, on failure, the same issues: ~0.1-0.2 us per
 * chat line where zod/mini's own parser takes ~2.7 us, docs/PERFORMANCE.md), cached per schema
 * object; any other validator as it is. The bus runs every schema it is given through this.
 */
export function compiledValidator<T>(validator: Validator<T>): Validator<T> {
  return "_zod" in validator ? compiledSchema(validator as unknown as Schema<T>) : validator;
}

function compiledSchema<T>(schema: Schema<T>): Validator<T> {
  let compiled = compiledSchemas.get(schema);
  if (!compiled) {
    // Compiled on the first message, not here: compiling takes ~0.5-7 ms of CPU, which would
    // otherwise land in every plugin's cold start (it subscribes before its first heartbeat).
    let fast: Schema<T> | undefined;
    compiled = { safeParse: (value) => z.safeParse(fast ??= z.compile(schema), value) };
    compiledSchemas.set(schema, compiled);
  }
  return compiled as Validator<T>;
}

const envelopeSchemas = new WeakMap<Schema, z.ZodMiniType>();

/** An envelope schema with a typed payload (cached per payload schema). */
export function envelopeOf<S extends Schema>(
  payloadSchema: S,
): z.ZodMiniType<Envelope<z.infer<S>>> {
  let schema = envelopeSchemas.get(payloadSchema);
  if (!schema) {
    schema = z.extend(EnvelopeSchema, { payload: payloadSchema });
    envelopeSchemas.set(payloadSchema, schema);
  }
  return schema as z.ZodMiniType<Envelope<z.infer<S>>>;
}

/**
 * Decodes an envelope (bytes, text or an already-parsed value) and checks its payload with
 * `payloadSchema`; errors name the field from the envelope's root (`payload.user.name`).
 */
export function decodeEnvelope<S extends Schema>(
  payloadSchema: S,
  data: unknown,
): Envelope<z.infer<S>> {
  const raw = typeof data === "string" || data instanceof Uint8Array ? parseJson(data) : data;
  return validate(compiledSchema(envelopeOf(payloadSchema)), raw, "envelope");
}
