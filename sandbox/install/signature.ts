/**
 * Publisher signatures: ed25519 over the raw 32-byte SHA-256 of the plugin file, made with a NATS
 * user nkey (`@nats-io/nkeys`, the keys the bus already uses). The publisher key is the nkey's
 * public key (`U…`, 56 characters); the signature travels as base64url, in the index entry or
 * in a `<file>.sig` beside the file.
 */
import { createUser, fromPublic, fromSeed } from "@nats-io/nkeys";
import { z } from "zod";
import { InstallError } from "./errors.ts";

/** `<file>.sig`, written by `deno task plugins sign`. */
export const SignatureFileSchema = z.strictObject({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  publisher: z.string().regex(/^U[A-Z2-7]{55}$/),
  signature: z.string().min(1),
});
export type SignatureFile = z.infer<typeof SignatureFileSchema>;

/** Whether a file can be trusted as its publisher's. */
export type SignatureStatus =
  | { kind: "trusted"; publisher: string }
  | { kind: "untrusted"; publisher: string }
  | { kind: "bad"; publisher: string }
  | { kind: "unsigned" };

const hexToBytes = (hex: string) =>
  Uint8Array.from(hex.match(/../g)!.map((byte) => parseInt(byte, 16)));

/** A new publisher key: the seed (keep it secret) and the public key (publish it). */
export function createPublisherKey(): { seed: string; publicKey: string } {
  const pair = createUser();
  return { seed: new TextDecoder().decode(pair.getSeed()), publicKey: pair.getPublicKey() };
}

/** Signs a file's hex SHA-256 with a user seed (`SU…`). Throws InstallError for a bad seed. */
export function signHash(
  sha256: string,
  seed: string,
): { publisher: string; signature: string } {
  let pair;
  try {
    pair = fromSeed(new TextEncoder().encode(seed.trim()));
  } catch (error) {
    throw new InstallError(
      "source",
      `the key file does not hold an nkey seed (SU…): ${(error as Error).message}; ` +
        `make one with \`deno task plugins keygen <seed-file>\``,
      { cause: error },
    );
  }
  const publisher = pair.getPublicKey();
  if (!publisher.startsWith("U")) {
    throw new InstallError(
      "source",
      "the key file holds a non-user nkey; sign with a user seed (SU…)",
    );
  }
  const bytes = pair.sign(hexToBytes(sha256));
  return { publisher, signature: toBase64Url(bytes) };
}

/** Checks a signature over `sha256` against the publisher key, and the key against `trust`. */
export function verifySignature(
  sha256: string,
  signed: { publisher?: string | undefined; signature?: string | undefined },
  trust: readonly string[],
): SignatureStatus {
  if (!signed.publisher || !signed.signature) return { kind: "unsigned" };
  const publisher = signed.publisher;
  let valid = false;
  try {
    valid = fromPublic(publisher).verify(hexToBytes(sha256), fromBase64Url(signed.signature));
  } catch {
    valid = false;
  }
  if (!valid) return { kind: "bad", publisher };
  return trust.includes(publisher)
    ? { kind: "trusted", publisher }
    : { kind: "untrusted", publisher };
}

function toBase64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

function fromBase64Url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(b64 + "=".repeat((4 - b64.length % 4) % 4)), (c) => c.charCodeAt(0));
}
