/**
 * Minting user identities (JWT + seed, as a `.creds` text) inside the application account.
 * Every core service, connector and plugin launch gets its own user with the least rights it
 * needs; the plugin manager mints one per launch and never writes it to disk.
 */
import * as jwt from "@nats-io/jwt";
import { createUser } from "@nats-io/nkeys";
import type { AccountKeys, Authority } from "./authority.ts";
import { AuthError } from "./errors.ts";

/** The subjects a user may publish and subscribe to, as NATS permission lists. */
export interface SubjectPermissions {
  publish?: { allow?: string[]; deny?: string[] };
  subscribe?: { allow?: string[]; deny?: string[] };
  /**
   * Allow publishing one reply to each request received (NATS `allow_responses`). Needed by
   * anything that serves request/reply without a general publish grant on `_INBOX.>`.
   */
  responses?: { max: number; ttlMs?: number };
}

export interface MintOptions {
  /** A readable name for logs (`plugin-dice`, `svc-<service>`). */
  name: string;
  permissions: SubjectPermissions;
  /** Max subscriptions this user may hold; -1 for unlimited. */
  maxSubscriptions?: number;
  /** Max payload in bytes per message; -1 for the server's own limit. */
  maxPayload?: number;
  /** The JWT expires after this many seconds: a kill switch that needs no revocation. */
  expiresInSeconds?: number;
  /** Mint in the system account (only for the manager's revocation client). */
  systemAccount?: boolean;
}

/** A minted identity. `creds` is the text a client passes to `credsAuthenticator`. */
export interface UserCredentials {
  readonly name: string;
  readonly publicKey: string;
  readonly jwt: string;
  readonly creds: string;
}

const textDecoder = new TextDecoder();

/** Mints a user with the given permissions and limits. */
export async function mintUser(
  authority: Authority,
  options: MintOptions,
): Promise<UserCredentials> {
  const account: AccountKeys = options.systemAccount
    ? authority.systemAccount
    : authority.appAccount;
  for (const list of [options.permissions.publish, options.permissions.subscribe]) {
    for (const subject of [...(list?.allow ?? []), ...(list?.deny ?? [])]) {
      if (!isValidPermissionSubject(subject)) {
        throw new AuthError(
          `user ${options.name}: "${subject}" is not a valid NATS subject pattern; ` +
            `use dot-separated tokens, with * or > only as whole tokens`,
        );
      }
    }
  }
  const user = createUser();
  const { publish, subscribe, responses } = options.permissions;
  const claims: Partial<jwt.User> = {
    pub: { allow: publish?.allow ?? [], deny: publish?.deny ?? [] },
    sub: { allow: subscribe?.allow ?? [], deny: subscribe?.deny ?? [] },
    subs: options.maxSubscriptions ?? -1,
    payload: options.maxPayload ?? -1,
    data: -1,
  };
  if (responses) {
    claims.resp = { max: responses.max, ttl: (responses.ttlMs ?? 0) * 1_000_000 };
  }
  const token = await jwt.encodeUser(options.name, user, account.keyPair, claims, {
    ...(options.expiresInSeconds !== undefined
      ? { exp: nowSeconds() + options.expiresInSeconds }
      : {}),
  });
  return {
    name: options.name,
    publicKey: user.getPublicKey(),
    jwt: token,
    creds: textDecoder.decode(jwt.fmtCreds(token, user)),
  };
}

function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}

function isValidPermissionSubject(subject: string): boolean {
  if (subject.length === 0 || /\s/.test(subject)) return false;
  const tokens = subject.split(".");
  return tokens.every((t, i) =>
    t.length > 0 && (t === ">" ? i === tokens.length - 1 : !t.includes(">")) &&
    (t === "*" || !t.includes("*"))
  );
}

/**
 * An account JWT that revokes the given users (public key -> revoked-at, unix seconds). Send it
 * as a request to `$SYS.REQ.ACCOUNT.<account>.CLAIMS.UPDATE` from a system-account user: the
 * server disconnects those users at once and refuses their reconnects (NOTES-SANDBOX §4). The
 * full resolver (nats.conf) stores it, so it holds across a server restart; plugin JWTs also
 * carry an expiry and are minted per launch.
 */
export async function accountJwtRevoking(
  authority: Authority,
  revoked: Record<string, number>,
  /**
   * The account claims the server holds now (`CLAIMS.LOOKUP`), if signed by our operator: their
   * scoped signing keys (`deno task auth plugin-host-key`) are kept. Default: the original JWT.
   */
  stored?: jwt.Account,
): Promise<string> {
  const account = authority.appAccount;
  const current = stored ?? jwt.decode<jwt.Account>(account.jwt).nats;
  return await jwt.encodeAccount(account.name, account.keyPair, {
    ...current,
    revocations: { ...(current.revocations ?? {}), ...revoked },
  }, { signer: authority.operatorKeyPair });
}
