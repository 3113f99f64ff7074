/**
 * Proves a NATS user's identity from a `.creds` text: the JWT goes into CONNECT, the nonce from
 * INFO is signed with the user's nkey seed. Ed25519 comes from WebCrypto (no permission, no
 * npm package), and the seed is decoded here: base32, a two-byte prefix, 32 bytes of key and
 * a CRC-16/XMODEM (https://github.com/nats-io/nkeys).
 *
 * @module
 */

export interface CredsSigner {
  jwt: string;
  /** base64url (no padding) Ed25519 signature of the nonce, as nats-server expects in `sig`. */
  sign(nonce: string): Promise<string>;
}

/** The `.creds` text is malformed: it names what is wrong, never the secret. */
export class CredsError extends Error {
  override name = "CredsError";
}

const PKCS8_ED25519_PREFIX = [
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x04,
  0x22,
  0x04,
  0x20,
];
/** First byte of every seed: 'S' in base32 (18 << 3), plus the high bits of the key type. */
const PREFIX_SEED = 18 << 3;
const PREFIX_USER = 20 << 3;

export async function credsSigner(creds: string): Promise<CredsSigner> {
  const jwt = block(creds, "NATS USER JWT");
  const seed = block(creds, "USER NKEY SEED");
  const raw = decodeSeed(seed);
  const key = await crypto.subtle.importKey(
    "pkcs8",
    new Uint8Array([...PKCS8_ED25519_PREFIX, ...raw]),
    { name: "Ed25519" },
    false,
    ["sign"],
  );
  raw.fill(0);
  return {
    jwt,
    sign: async (nonce) => {
      const signature = await crypto.subtle.sign(
        { name: "Ed25519" },
        key,
        new TextEncoder().encode(nonce),
      );
      return base64Url(new Uint8Array(signature));
    },
  };
}

function block(creds: string, label: string): string {
  const match = new RegExp(`-{3,}BEGIN ${label}-{3,}\\s*\\n\\s*([^\\s-][^\\s]*)`).exec(creds);
  if (!match) throw new CredsError(`the creds have no "${label}" block`);
  return match[1]!;
}

function decodeSeed(seed: string): Uint8Array {
  const bytes = base32Decode(seed);
  if (bytes.length !== 36) throw new CredsError("the nkey seed has the wrong length");
  const body = bytes.subarray(0, 34);
  const checksum = bytes[34]! | (bytes[35]! << 8);
  if (crc16(body) !== checksum) throw new CredsError("the nkey seed's checksum does not match");
  const kind = ((bytes[0]! & 7) << 5) | ((bytes[1]! & 0xf8) >> 3);
  if ((bytes[0]! & 0xf8) !== PREFIX_SEED || kind !== PREFIX_USER) {
    throw new CredsError("the nkey seed is not a user seed");
  }
  return bytes.slice(2, 34);
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32Decode(text: string): Uint8Array {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of text) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new CredsError("the nkey seed is not base32");
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

/** CRC-16/XMODEM (polynomial 0x1021, initial 0), as nkeys computes it. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}

function base64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
