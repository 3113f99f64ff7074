/** The moderator PM shell's NATS role. */
import { inboxGrant, type ServiceRole, subjects } from "@quicksilver/core";

/** The identity (NATS user name, client name and inbox token) of the moderator PM shell. */
export const MODERATOR_IDENTITY = "svc-moderator";

/** The PM actions and channel actions the moderator shell carries out, on any platform. */
const MODERATOR_ACTIONS = [
  "chat",
  "pm",
  "queue",
  "delete",
  "move",
  "jump",
  "pause",
  "kick",
  "afk",
  "clearChat",
] as const;

/**
 * The moderator PM shell: reads PMs (core NATS, never replayed), asks connectors for the
 * channel snapshot and the stats service for numbers, carries out moderator actions and
 * publishes its audit trail. It cannot read chat, publish events or touch JetStream's API. In
 * `nats.delivery: durable` its actions are plain publishes into `ROSEY_ACTIONS` (acked to its
 * inbox) and their outcomes come back on `subjects.actionOutcomesOf(its identity)`.
 */
export function moderatorRole(): ServiceRole {
  const name = MODERATOR_IDENTITY;
  return {
    name,
    permissions: {
      publish: {
        allow: [
          subjects.anyPlatformState("snapshot"),
          ...MODERATOR_ACTIONS.map((action) => subjects.anyPlatformAction(action)),
          subjects.statsQuery("channel"),
          subjects.statsQuery("user"),
          subjects.audit("moderator"),
        ],
      },
      subscribe: {
        allow: [
          subjects.event("pm"),
          subjects.actionOutcomesOf(name),
          `${subjects.statsAnswers(name)}.>`,
          inboxGrant(name),
        ],
      },
    },
  };
}
