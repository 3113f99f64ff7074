/**
 * Mints the NATS user of one plugin launch. A fresh key pair every launch, never written to disk:
 * the creds go to the runner on stdin, so a leaked JWT dies with the launch (expiry) or at once
 * (revocation, see {@linkcode Revoker}).
 */
import {
  type Authority,
  mintScopedUser,
  mintUser,
  type ScopedSigningKey,
  type UserCredentials,
} from "@quicksilver/core";
import type { PluginNatsRights } from "./plugin_permissions.ts";
import { scopedPluginTags } from "./plugin_scope.ts";

/** Default lifetime of a plugin JWT; the runner exits when it expires and the manager relaunches. */
export const DEFAULT_PLUGIN_JWT_TTL_SECONDS = 24 * 60 * 60;

/**
 * Who signs plugin users: the installation's authority (the account key: the user JWT carries
 * the plugin's rights), or the account's `plugin` scoped signing key (a plugin host without the
 * account key: the server applies the key's template, filled from the user's tags).
 */
export type PluginUserSigner = Authority | ScopedSigningKey;

/**
 * Mints a plugin user with `rights`. With a scoped key, throws `PluginCredentialsError` when the
 * rights are more than the key's template can give (grants, non-default limits).
 */
export async function mintPluginUser(
  signer: PluginUserSigner,
  rights: PluginNatsRights,
  options: { expiresInSeconds?: number } = {},
): Promise<UserCredentials> {
  const expiresInSeconds = options.expiresInSeconds ?? DEFAULT_PLUGIN_JWT_TTL_SECONDS;
  if (!("appAccount" in signer)) {
    const name = rights.identity.replace(/^plugin-/, "");
    return await mintScopedUser(signer, {
      name: rights.identity,
      tags: scopedPluginTags(name, rights),
      expiresInSeconds,
    });
  }
  return await mintUser(signer, {
    name: rights.identity,
    permissions: rights.permissions,
    maxSubscriptions: rights.limits.maxSubscriptions,
    maxPayload: rights.limits.maxPayload,
    expiresInSeconds,
  });
}
