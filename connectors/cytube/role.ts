/** The CyTube connector's NATS role: a platform connector for `cytube`, plus its leases. */
import { connectorRole, leaseGrants, type ServiceRole } from "@quicksilver/core";
import { CYTUBE_PLATFORM } from "./platform.ts";

/**
 * The CyTube connector's user (`connector-cytube`): the generic connector rights, and its own
 * failover leases `rosey_leases` keys `cytube.<channel>` (put/CAS and direct get only; the
 * bucket is made at boot by the streams identity).
 */
export function cytubeConnectorRole(): ServiceRole {
  const role = connectorRole(CYTUBE_PLATFORM);
  const publish = role.permissions.publish ?? { allow: [] };
  return {
    ...role,
    permissions: {
      ...role.permissions,
      publish: { ...publish, allow: [...(publish.allow ?? []), ...leaseGrants(CYTUBE_PLATFORM)] },
    },
  };
}
