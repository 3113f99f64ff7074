/**
 * The one envelope every normalized event and command travels in. Connectors fill `source`
 * with where the event came from, and every reply is routed back there, so a plugin never
 * needs to know which platform it is serving.
 */
import { z } from "./_zod.ts";

/** Where an event came from and where replies to it go. */
export const SourceSchema = z.object({
  /** Platform connector name: `shell`, or a chat platform's name (a subject token). */
  platform: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be a subject token")),
  /** The room: a platform's channel name or id, `local` for the shell. */
  channel: z.string().check(z.minLength(1), z.maxLength(200)),
});
export type Source = z.infer<typeof SourceSchema>;

export const EnvelopeSchema = z.object({
  /** Unique id of this event (also the JetStream dedupe id when it is persisted). */
  id: z.string().check(z.minLength(1), z.maxLength(128)),
  /** The normalized event type, e.g. `message`, `user.join`. */
  type: z.string().check(z.minLength(1), z.maxLength(64)),
  source: SourceSchema,
  /** Milliseconds since the epoch, when the platform says it happened. */
  time: z.int().check(z.nonnegative()),
  /** Ties a command, its result and any follow-up together across services. */
  correlationId: z.optional(z.string().check(z.maxLength(128))),
  payload: z.unknown(),
});

/** An envelope with a typed payload. */
export type Envelope<P = unknown> = Omit<z.infer<typeof EnvelopeSchema>, "payload"> & {
  payload: P;
};

let counter = 0;
const prefix = crypto.randomUUID().slice(0, 8);

/** A short unique id: random per process, counter within it (cheap on the hot path). */
export function newEventId(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${prefix}-${Date.now().toString(36)}-${counter.toString(36)}`;
}

/** Builds an envelope; `id` and `time` default to fresh values. */
export function createEnvelope<P>(
  type: string,
  source: Source,
  payload: P,
  options: { id?: string; time?: number; correlationId?: string } = {},
): Envelope<P> {
  const envelope: Envelope<P> = {
    id: options.id ?? newEventId(),
    type,
    source,
    time: options.time ?? Date.now(),
    payload,
  };
  if (options.correlationId !== undefined) envelope.correlationId = options.correlationId;
  return envelope;
}
