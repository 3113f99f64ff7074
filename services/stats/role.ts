/** The stats service's NATS role. */
import {
  durableConsumerRights,
  inboxGrant,
  type ServiceRole,
  STREAMS,
  subjects,
} from "@quicksilver/core";

/** The identity (NATS user name, client name and inbox token) of the stats service. */
export const STATS_IDENTITY = "svc-stats";

/** Its durable consumer of `ROSEY_EVENTS`. */
export const STATS_CONSUMER = "stats";

/**
 * The stats service: reads `ROSEY_EVENTS` through its own durable consumer and answers stats
 * queries (replies go to the asker's inbox).
 */
export function statsRole(): ServiceRole {
  const name = STATS_IDENTITY;
  return {
    name,
    permissions: {
      publish: { allow: durableConsumerRights(STREAMS.events, STATS_CONSUMER) },
      subscribe: { allow: [subjects.allStatsQueries(), inboxGrant(name)] },
      responses: { max: 1 },
    },
  };
}
