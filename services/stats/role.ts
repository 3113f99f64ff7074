/** The stats service's NATS role. */
import {
  durableConsumerRights,
  inboxGrant,
  type ServiceRole,
  STREAMS,
  subjects,
} from "@quicksilver/core";
import { STATS_DURABLE } from "./stats_service.ts";

/** The identity (NATS user name, client name and inbox token) of the stats service. */
export const STATS_IDENTITY = "svc-stats";

/**
 * The stats service: reads `ROSEY_EVENTS` through its own durable consumer and answers stats
 * queries (replies go to the asker's inbox).
 */
export function statsRole(): ServiceRole {
  const name = STATS_IDENTITY;
  return {
    name,
    permissions: {
      publish: { allow: durableConsumerRights(STREAMS.events, STATS_DURABLE) },
      subscribe: { allow: [subjects.allStatsQueries(), inboxGrant(name)] },
      responses: { max: 1 },
    },
  };
}
