/** The chat log writer's NATS role. */
import { durableConsumerRights, inboxGrant, type ServiceRole, STREAMS } from "@quicksilver/core";
import { CHATLOG_DURABLE } from "./chatlog_service.ts";

/** The identity (NATS user name, client name and inbox token) of the chat log writer. */
export const CHATLOG_IDENTITY = "svc-chatlog";

/**
 * The chat log writer: reads `ROSEY_EVENTS` through its own durable consumer and writes files.
 * It publishes nothing on `rosey.>` and subscribes to nothing but its inbox (where pulled
 * messages arrive).
 */
export function chatlogRole(): ServiceRole {
  const name = CHATLOG_IDENTITY;
  return {
    name,
    permissions: {
      publish: { allow: durableConsumerRights(STREAMS.events, CHATLOG_DURABLE) },
      subscribe: { allow: [inboxGrant(name)] },
    },
  };
}
