/** The stats service's NATS role. */
import {
  inboxGrant,
  type ServiceRole,
  serviceStateRights,
  streamReaderRights,
  STREAMS,
  subjects,
} from "@quicksilver/core";
import { STATS_CONSUMER, STATS_SERVICE } from "./stats_service.ts";

/** The identity (NATS user name, client name and inbox token) of the stats service. */
export const STATS_IDENTITY = "svc-stats";

/**
 * The stats service: reads `ROSEY_EVENTS` through its own consumer (no acks: its cursor is in
 * its saved state), puts and gets its own key of the services' KV bucket (`stats.stats`) and
 * answers stats queries (replies go to the asker's inbox).
 */
export function statsRole(): ServiceRole {
  const name = STATS_IDENTITY;
  return {
    name,
    permissions: {
      publish: {
        allow: [
          ...streamReaderRights(STREAMS.events, STATS_CONSUMER),
          ...serviceStateRights(STATS_SERVICE, STATS_CONSUMER),
        ],
      },
      subscribe: { allow: [subjects.allStatsQueries(), inboxGrant(name)] },
      responses: { max: 1 },
    },
  };
}
