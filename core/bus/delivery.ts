/**
 * How chat events reach the command dispatcher and platform actions reach connectors
 * (`nats.delivery`):
 *
 * - `live`: core NATS publish/subscribe. Nothing is stored; the fastest path (docs/PERFORMANCE.md)
 *   and what one machine needs.
 * - `durable`: through JetStream. Command dispatchers share `ROSEY_EVENTS` through one durable
 *   consumer: each command is handled by one dispatcher, and one that dies before acking hands
 *   it to another. Actions are published into `ROSEY_ACTIONS` with a message id derived from the
 *   event they answer, so a second dispatcher's copy is dropped by the stream's duplicate window.
 *
 * @module
 */

/** The values of `nats.delivery`. */
export const DELIVERY_MODES = ["live", "durable"] as const;

/** `live` (core NATS) or `durable` (JetStream); see the module doc. */
export type Delivery = typeof DELIVERY_MODES[number];
