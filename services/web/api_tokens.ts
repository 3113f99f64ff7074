/**
 * API tokens, as Rosey's `/api/tokens` kept them, hashed at rest: the secret is shown once
 * when the token is created; `.rosey/web/tokens.json` keeps only its SHA-256 (a 256-bit random
 * secret needs no slow hash). Scopes nest: `read` < `say` < `admin`.
 *
 * A token is sent as `Authorization: Bearer qst_<id>_<secret>`.
 */
import { z } from "zod";
import { constantTimeEqual } from "./password.ts";
import { randomToken } from "./sessions.ts";
import { readStateFile, writeStateFile } from "./_state_file.ts";

export const TOKEN_SCOPES = ["read", "say", "admin"] as const;
export type TokenScope = typeof TOKEN_SCOPES[number];

/** True when `held` includes what `needed` asks (admin includes say includes read). */
export function scopeAllows(held: TokenScope, needed: TokenScope): boolean {
  return TOKEN_SCOPES.indexOf(held) >= TOKEN_SCOPES.indexOf(needed);
}

const StoredTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  scope: z.enum(TOKEN_SCOPES),
  /** SHA-256 of the secret, hex. */
  hash: z.string(),
  createdAt: z.number(),
  createdBy: z.string(),
  lastUsedAt: z.number().optional(),
  revokedAt: z.number().optional(),
});
type StoredToken = z.infer<typeof StoredTokenSchema>;

/** What the API shows of a token: never its secret or hash. */
export type TokenInfo = Omit<StoredToken, "hash">;

const TokensFileSchema = z.object({ tokens: z.array(StoredTokenSchema) });

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

const TOKEN_FORMAT = /^qst_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export class TokenStore {
  readonly #path: string;
  #tokens: StoredToken[];

  private constructor(path: string, tokens: StoredToken[]) {
    this.#path = path;
    this.#tokens = tokens;
  }

  static async open(dir: string): Promise<TokenStore> {
    const path = `${dir}/tokens.json`;
    const file = await readStateFile(path, TokensFileSchema, { tokens: [] });
    return new TokenStore(path, file.tokens);
  }

  list(): TokenInfo[] {
    return this.#tokens.map(({ hash: _hash, ...info }) => info);
  }

  /** Creates a token; the returned `token` string is the only time the secret exists. */
  async create(
    name: string,
    scope: TokenScope,
    createdBy: string,
  ): Promise<{ token: string; info: TokenInfo }> {
    const id = randomToken(9).replace(/[^A-Za-z0-9]/g, "0").slice(0, 12);
    const secret = randomToken(32);
    const stored: StoredToken = {
      id,
      name,
      scope,
      hash: hex(await sha256(secret)),
      createdAt: Date.now(),
      createdBy,
    };
    this.#tokens = [...this.#tokens, stored];
    await writeStateFile(this.#path, { tokens: this.#tokens });
    const { hash: _hash, ...info } = stored;
    return { token: `qst_${id}_${secret}`, info };
  }

  /** Revokes a token by id; false when there is no such token. */
  async revoke(id: string): Promise<boolean> {
    const found = this.#tokens.find((t) => t.id === id && t.revokedAt === undefined);
    if (!found) return false;
    found.revokedAt = Date.now();
    await writeStateFile(this.#path, { tokens: this.#tokens });
    return true;
  }

  /** The live token a bearer string names, or undefined (unknown, malformed or revoked). */
  async authenticate(bearer: string): Promise<TokenInfo | undefined> {
    const match = TOKEN_FORMAT.exec(bearer);
    if (!match) return undefined;
    const stored = this.#tokens.find((t) => t.id === match[1] && t.revokedAt === undefined);
    if (!stored) return undefined;
    const given = await sha256(match[2]!);
    const expected = Uint8Array.from(stored.hash.match(/../g) ?? [], (h) => parseInt(h, 16));
    if (!constantTimeEqual(given, expected)) return undefined;
    stored.lastUsedAt = Date.now();
    const { hash: _hash, ...info } = stored;
    return info;
  }
}
