/** The shell connector's NATS role: a platform connector like any other. */
import { connectorRole, type ServiceRole } from "@quicksilver/core";

/** The shell connector's user (`connector-shell`). */
export function shellConnectorRole(): ServiceRole {
  return connectorRole("shell");
}
