/** The chat log writer's NATS role. */
import {
  inboxGrant,
  type ServiceRole,
  serviceStateRights,
  streamReaderRights,
  STREAMS,
} from "@quicksilver/core";
import { CHATLOG_CONSUMER, CHATLOG_SERVICE } from "./chatlog_service.ts";

/** The identity (NATS user name, client name and inbox token) of the chat log writer. */
export const CHATLOG_IDENTITY = "svc-chatlog";

/**
 * The chat log writer: reads `ROSEY_EVENTS` through its own consumer (no acks: its cursor is its
 * own) and writes files; puts and gets its own key of the services' KV bucket (`chatlog.chatlog`,
 * the shared cursor). It publishes nothing on `rosey.>` and subscribes to nothing but its inbox
 * (where pulled messages and KV replies arrive).
 */
export function chatlogRole(): ServiceRole {
  const name = CHATLOG_IDENTITY;
  return {
    name,
    permissions: {
      publish: {
        allow: [
          ...streamReaderRights(STREAMS.events, CHATLOG_CONSUMER),
          ...serviceStateRights(CHATLOG_SERVICE, CHATLOG_CONSUMER),
        ],
      },
      subscribe: { allow: [inboxGrant(name)] },
    },
  };
}
