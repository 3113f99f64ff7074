/**
 * Mints the NATS user of one plugin launch. A fresh key pair every launch, never written to disk:
 * the creds go to the runner on stdin, so a leaked JWT dies with the launch (expiry) or at once
 * (revocation, see {@linkcode Revoker}).
 */
import { type Authority, mintUser, type UserCredentials } from "@quicksilver/core";
import type { PluginNatsRights } from "./plugin_permissions.ts";

/** Default lifetime of a plugin JWT; the runner exits when it expires and the manager relaunches. */
export const DEFAULT_PLUGIN_JWT_TTL_SECONDS = 24 * 60 * 60;

export async function mintPluginUser(
  authority: Authority,
  rights: PluginNatsRights,
  options: { expiresInSeconds?: number } = {},
): Promise<UserCredentials> {
  return await mintUser(authority, {
    name: rights.identity,
    permissions: rights.permissions,
    maxSubscriptions: rights.limits.maxSubscriptions,
    maxPayload: rights.limits.maxPayload,
    expiresInSeconds: options.expiresInSeconds ?? DEFAULT_PLUGIN_JWT_TTL_SECONDS,
  });
}
