/**
 * Creates (or rotates) the application account's `plugin` scoped signing key and pushes the
 * account JWT that carries it to the servers' full resolver (`$SYS.REQ.ACCOUNT.<acc>.CLAIMS.UPDATE`;
 * on a cluster the resolver replicates it to every node). Runs where the authority is
 * (`deno task auth plugin-host-key`); the key then goes to the plugin host, which mints its
 * plugins' users with it and can mint nothing else.
 *
 * The update starts from the account JWT the server holds (`CLAIMS.LOOKUP`), so revocations the
 * kill switch stored are kept; a key of the same role is replaced, so the old one stops working
 * for new connections at once (users it minted stay connected until they expire or reconnect).
 */
import {
  accountJwtWithScope,
  type Authority,
  type BusTlsFiles,
  createScopedSigningKey,
  EventBus,
  inboxGrant,
  mintUser,
  type ScopedSigningKey,
  scopeEntry,
} from "@quicksilver/core";
import { type Account, decode } from "@nats-io/jwt";
import { PluginCredentialsError } from "./errors.ts";
import { PLUGIN_SIGNING_ROLE, pluginScopeTemplate } from "./plugin_scope.ts";

const IDENTITY = "svc-auth-admin";

/**
 * Makes a new `plugin` signing key, adds it (replacing an older one) to the application
 * account's JWT, and pushes that to the server at `servers`. Resolves with the new key once the
 * server confirmed; throws {@linkcode PluginCredentialsError} when it refuses or is unreachable.
 */
export async function installPluginSigningKey(options: {
  authority: Authority;
  servers: string | string[];
  tls?: BusTlsFiles;
}): Promise<ScopedSigningKey> {
  const { authority } = options;
  const key = createScopedSigningKey(authority, PLUGIN_SIGNING_ROLE);
  const user = await mintUser(authority, {
    name: IDENTITY,
    systemAccount: true,
    expiresInSeconds: 300,
    permissions: {
      publish: { allow: ["$SYS.REQ.ACCOUNT.*.CLAIMS.UPDATE", "$SYS.REQ.ACCOUNT.*.CLAIMS.LOOKUP"] },
      subscribe: { allow: [inboxGrant(IDENTITY)] },
    },
  });
  const bus = await EventBus.connect({
    servers: options.servers,
    name: IDENTITY,
    creds: user.creds,
    ...(options.tls ? { tls: options.tls } : {}),
  });
  try {
    const account = authority.appAccount.publicKey;
    let current = decode<Account>(authority.appAccount.jwt).nats as Account;
    try {
      const stored = decode<Account>(
        (await bus.connection.request(
          `$SYS.REQ.ACCOUNT.${account}.CLAIMS.LOOKUP`,
          new Uint8Array(),
          { timeout: 5000 },
        )).string(),
      );
      if (stored.iss === authority.operatorKeyPair.getPublicKey() && stored.sub === account) {
        current = stored.nats as Account;
      }
    } catch {
      // Nothing stored yet (the preloaded original is `current` already).
    }
    const accountJwt = await accountJwtWithScope(
      authority,
      current,
      scopeEntry(key, pluginScopeTemplate()),
    );
    const subject = `$SYS.REQ.ACCOUNT.${account}.CLAIMS.UPDATE`;
    let reply: unknown;
    try {
      reply = (await bus.connection.request(subject, new TextEncoder().encode(accountJwt), {
        timeout: 5000,
      })).json();
    } catch (cause) {
      throw new PluginCredentialsError(
        `the server at ${options.servers} did not accept the account update on ${subject}; ` +
          `is it running in operator mode with this installation's nats-auth.conf?`,
        { cause },
      );
    }
    if ((reply as { data?: { code?: number } })?.data?.code !== 200) {
      throw new PluginCredentialsError(
        `the server refused the account update with the plugin signing key: ` +
          JSON.stringify(reply),
      );
    }
    return key;
  } finally {
    await bus.close();
  }
}
