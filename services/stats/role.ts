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
 * answers stats queries on the asker's `subjects.statsAnswers(asker)`.
 *
 * Why no NATS `allow_responses` (which would let it answer to any asker's inbox): nats-server
 * then records the reply subject of every message delivered to this connection, and each of the
 * reader's deliveries carries one (`$JS.ACK…`) that nobody answers. Unanswered records live 2
 * minutes, and past 4096 of them nats-server 2.9 scans them all at every delivery
 * (server/client.go `deliverMsg` -> `pruneReplyPerms`; nats-io/nats-server#6058, fixed in 2.10.23):
 * at 1000 chat lines/s that was ~200 us of nats-server CPU per line after 5 s, growing to a
 * 120,000-record scan per line after 2 minutes (docs/PERFORMANCE.md).
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
          subjects.allStatsAnswers(),
        ],
      },
      subscribe: { allow: [subjects.allStatsQueries(), inboxGrant(name)] },
    },
  };
}
