/**
 * Operator passwords, hashed with scrypt (RFC 7914) from `@noble/hashes` (audited, no native
 * code). Stored as `scrypt$<logN>$<r>$<p>$<salt base64>$<hash base64>`, so the cost can be
 * raised later without breaking existing hashes.
 */
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { PASSWORD_HASH } from "./web_config.ts";

/** N = 2^15, r = 8, p = 1: OWASP's minimum for scrypt; ~0.1-0.3 s per hash here. */
const COST = { logN: 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const encoder = new TextEncoder();

function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function unbase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/**
 * Hashes a password with a fresh 16-byte salt.
 *
 * @example
 * ```ts ignore
 * const hash = await hashPassword("correct horse");
 * console.assert(await verifyPassword("correct horse", hash));
 * ```
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const { logN, r, p } = COST;
  const key = await scryptAsync(encoder.encode(password), salt, {
    N: 2 ** logN,
    r,
    p,
    dkLen: KEY_BYTES,
  });
  return `scrypt$${logN}$${r}$${p}$${base64(salt)}$${base64(key)}`;
}

/** True when `password` matches `stored`; false (never a throw) for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (!PASSWORD_HASH.test(stored)) return false;
  const [, logN, r, p, salt, hash] = stored.split("$");
  // Bounds keep a hand-edited hash from making every login take minutes.
  if (Number(logN) > 20 || Number(r) > 32 || Number(p) > 4) return false;
  const expected = unbase64(hash!);
  const key = await scryptAsync(encoder.encode(password), unbase64(salt!), {
    N: 2 ** Number(logN),
    r: Number(r),
    p: Number(p),
    dkLen: expected.length,
  });
  return constantTimeEqual(key, expected);
}

/** Compares without an early exit, so the time taken tells nothing about where they differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** A password for the first run: 18 random bytes, URL-safe base64 (24 characters). */
export function generatePassword(): string {
  return base64(crypto.getRandomValues(new Uint8Array(18))).replaceAll("+", "-").replaceAll(
    "/",
    "_",
  );
}
