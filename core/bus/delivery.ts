/**
 * How chat events reach the router and platform actions reach connectors (`nats.delivery`):
 *
 * - `live`: core NATS publish/subscribe. Nothing is stored; the fastest path (docs/PERFORMANCE.md)
 *   and what one machine needs.
 * - `durable`: through JetStream. Routers share `ROSEY_EVENTS` through one durable consumer
 *   (`router`): each command is handled by one router, and one that dies before acking hands it
 *   to another. Actions are published into `ROSEY_ACTIONS` with a message id derived from the
 *   event they answer, so a second router's copy is dropped by the stream's duplicate window.
 *
 * @module
 */

/** The values of `nats.delivery`. */
export const DELIVERY_MODES = ["live", "durable"] as const;

/** `live` (core NATS) or `durable` (JetStream); see the module doc. */
export type Delivery = typeof DELIVERY_MODES[number];
