/** What a bus has done, for metrics and tests. Plain numbers; read with `bus.counters`. */
export interface BusCounters {
  published: number;
  received: number;
  /** Messages that failed validation: counted, logged, never crash a handler loop. */
  invalid: number;
  /** Handlers that threw: counted and logged; the subscription lives on. */
  handlerErrors: number;
  requests: number;
  requestFailures: number;
  permissionViolations: number;
  disconnects: number;
  reconnects: number;
  durablePublished: number;
  durableRetries: number;
  durableDelivered: number;
}

export function emptyCounters(): BusCounters {
  return {
    published: 0,
    received: 0,
    invalid: 0,
    handlerErrors: 0,
    requests: 0,
    requestFailures: 0,
    permissionViolations: 0,
    disconnects: 0,
    reconnects: 0,
    durablePublished: 0,
    durableRetries: 0,
    durableDelivered: 0,
  };
}
