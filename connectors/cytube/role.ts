/** The CyTube connector's NATS role: a platform connector for `cytube`. */
import { connectorRole, type ServiceRole } from "@quicksilver/core";
import { CYTUBE_PLATFORM } from "./platform.ts";

/** The CyTube connector's user (`connector-cytube`). */
export function cytubeConnectorRole(): ServiceRole {
  return connectorRole(CYTUBE_PLATFORM);
}
