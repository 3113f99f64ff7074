/**
 * Scoped signing keys of the application account (NATS 2.9, `signing_keys` entries of kind
 * `user_scope`): a key that may sign users of the account, but whose users get exactly the
 * permissions and limits of the key's template, whatever their own JWT claims. Templates may use
 * `{{name()}}`, `{{subject()}}`, `{{tag(key)}}`, `{{account-name()}}`, `{{account-tag(key)}}`
 * as whole subject tokens; a tag with several values yields one subject per value, a missing tag
 * drops the subject (nats-server 2.9 server/auth.go `processUserPermissionsTemplate`).
 *
 * A machine holding only such a key (the plugin host elsewhere) can mint users of that one
 * shape, never a command dispatcher or connector: the account's own key and the operator key stay on the
 * machine that holds `auth/authority.nk`.
 */
import * as jwt from "@nats-io/jwt";
import { createAccount, createUser, fromSeed, type KeyPair } from "@nats-io/nkeys";
import type { Authority } from "./authority.ts";
import { AuthError } from "./errors.ts";
import type { SubjectPermissions, UserCredentials } from "./user_credentials.ts";

/** A scoped signing key, as a host that mints users with it holds it. Secret: never log it. */
export interface ScopedSigningKey {
  /** The application account the key signs for (`A...`). */
  readonly accountPublicKey: string;
  /** The role the account JWT names this key with (`plugin`). */
  readonly role: string;
  readonly keyPair: KeyPair;
}

/** What the users of a scoped key may do: permissions (with template tokens) and limits. */
export interface ScopeTemplate {
  permissions: SubjectPermissions;
  /** Max subscriptions per user; -1 unlimited. */
  maxSubscriptions: number;
  /** Max payload per message in bytes; -1 the server's limit. */
  maxPayload: number;
}

const FILE_KIND = "quicksilver-scoped-signing-key";
const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

/** A fresh scoped signing key for `role` in the authority's application account. */
export function createScopedSigningKey(authority: Authority, role: string): ScopedSigningKey {
  return { accountPublicKey: authority.appAccount.publicKey, role, keyPair: createAccount() };
}

/** The `signing_keys` entry that gives `key` its template (the server's `UserScope`). */
export function scopeEntry(key: ScopedSigningKey, template: ScopeTemplate): jwt.SigningKey {
  const { publish, subscribe, responses } = template.permissions;
  return {
    kind: "user_scope",
    key: key.keyPair.getPublicKey(),
    role: key.role,
    template: {
      pub: { allow: publish?.allow ?? [], deny: publish?.deny ?? [] },
      sub: { allow: subscribe?.allow ?? [], deny: subscribe?.deny ?? [] },
      ...(responses ? { resp: { max: responses.max, ttl: (responses.ttlMs ?? 0) * 1e6 } } : {}),
      subs: template.maxSubscriptions,
      payload: template.maxPayload,
      data: -1,
    },
  };
}

/**
 * The application account's JWT with `entry` as its only signing key for `entry.role` (a key of
 * the same role is replaced: rotation), keeping everything else of `current` (the claims the
 * server holds now, with their revocations). Signed by the operator.
 */
export async function accountJwtWithScope(
  authority: Authority,
  current: jwt.Account,
  entry: jwt.SigningKey,
): Promise<string> {
  const others = (current.signing_keys ?? []).filter((k) =>
    typeof k === "string" || k.role !== entry.role
  );
  return await jwt.encodeAccount(authority.appAccount.name, authority.appAccount.keyPair, {
    ...current,
    signing_keys: [...others, entry],
  }, { signer: authority.operatorKeyPair });
}

/**
 * Mints a user with a scoped key: only a name, tags and an expiry, since the server rejects or
 * ignores anything else for a scoped signer and applies the key's template instead.
 */
export async function mintScopedUser(
  key: ScopedSigningKey,
  options: { name: string; tags: readonly string[]; expiresInSeconds?: number },
): Promise<UserCredentials> {
  const user = createUser();
  const token = await jwt.encodeUser(
    options.name,
    user,
    key.accountPublicKey,
    { tags: [...options.tags] },
    {
      signer: key.keyPair,
      scopedUser: true,
      ...(options.expiresInSeconds !== undefined
        ? { exp: Math.floor(Date.now() / 1000) + options.expiresInSeconds }
        : {}),
    },
  );
  return {
    name: options.name,
    publicKey: user.getPublicKey(),
    jwt: token,
    creds: textDecoder.decode(jwt.fmtCreds(token, user)),
  };
}

/** The text of a scoped key file (JSON; write it with mode 0600). */
export function scopedKeyFileText(key: ScopedSigningKey): string {
  return JSON.stringify(
    {
      kind: FILE_KIND,
      account: key.accountPublicKey,
      role: key.role,
      seed: textDecoder.decode(key.keyPair.getSeed()),
    },
    null,
    2,
  ) + "\n";
}

/** Reads a scoped key file; `file` names it in the error. Throws {@linkcode AuthError}. */
export function parseScopedKeyFile(text: string, file: string): ScopedSigningKey {
  try {
    const stored = JSON.parse(text) as Record<string, unknown>;
    if (
      stored.kind !== FILE_KIND || typeof stored.account !== "string" ||
      typeof stored.role !== "string" || typeof stored.seed !== "string" ||
      !stored.seed.startsWith("SA")
    ) throw new Error(`not a ${FILE_KIND} document`);
    return {
      accountPublicKey: stored.account,
      role: stored.role,
      keyPair: fromSeed(textEncoder.encode(stored.seed)),
    };
  } catch (cause) {
    throw new AuthError(
      `${file} is not a Quicksilver scoped signing key file; write one on the machine that holds ` +
        `.rosey/auth with \`deno task auth plugin-host-key --out ${file}\``,
      { cause },
    );
  }
}
