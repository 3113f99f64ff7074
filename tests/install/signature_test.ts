/**
 * Publisher signatures: ed25519 over a file's SHA-256 with a NATS user nkey. A signature is
 * trusted only when it verifies and its key is in plugins.trust; any other file counts as
 * unsigned (installable only with --unsigned).
 */
import assert from "node:assert/strict";
import { createPublisherKey, sha256Hex, signHash, verifySignature } from "@quicksilver/sandbox";

const hashOf = (text: string) => sha256Hex(new TextEncoder().encode(text));

Deno.test("a signature by a trusted publisher verifies as trusted", async () => {
  const key = createPublisherKey();
  const sha = await hashOf("export default 1;\n");
  const signed = signHash(sha, key.seed);
  assert.equal(signed.publisher, key.publicKey);
  assert.deepEqual(verifySignature(sha, signed, [key.publicKey]), {
    kind: "trusted",
    publisher: key.publicKey,
  });
});

Deno.test("a valid signature by a publisher not in plugins.trust is untrusted", async () => {
  const key = createPublisherKey();
  const sha = await hashOf("a");
  const status = verifySignature(sha, signHash(sha, key.seed), [createPublisherKey().publicKey]);
  assert.equal(status.kind, "untrusted");
});

Deno.test("a signature made for other bytes, or claiming another key, is bad", async () => {
  const key = createPublisherKey();
  const other = createPublisherKey();
  const sha = await hashOf("a");
  const signed = signHash(await hashOf("b"), key.seed);
  assert.equal(verifySignature(sha, signed, [key.publicKey]).kind, "bad");
  const stolen = { publisher: other.publicKey, signature: signHash(sha, key.seed).signature };
  assert.equal(verifySignature(sha, stolen, [other.publicKey]).kind, "bad");
  assert.equal(verifySignature(sha, { publisher: key.publicKey, signature: "!!" }, []).kind, "bad");
});

Deno.test("no signature is unsigned", async () => {
  assert.equal(verifySignature(await hashOf("a"), {}, []).kind, "unsigned");
});
