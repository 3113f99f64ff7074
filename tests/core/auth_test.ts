import assert from "node:assert/strict";
import { decode, type User } from "@nats-io/jwt";
import {
  accountJwtRevoking,
  AuthError,
  authorityPaths,
  loadOrCreateAuthority,
  mintUser,
  serverAuthConfig,
} from "@quicksilver/core";

async function withStateDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "quicksilver-auth-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the authority is created once and read back the same on every later start", async () => {
  await withStateDir(async (dir) => {
    const first = await loadOrCreateAuthority(dir);
    const paths = authorityPaths(dir);
    const secrets = await Deno.readTextFile(paths.secrets);
    const second = await loadOrCreateAuthority(dir);
    assert.equal(second.appAccount.publicKey, first.appAccount.publicKey);
    assert.equal(second.systemAccount.publicKey, first.systemAccount.publicKey);
    assert.equal(
      second.operatorKeyPair.getPublicKey(),
      first.operatorKeyPair.getPublicKey(),
    );
    assert.equal(second.operatorJwt, first.operatorJwt);
    assert.equal(await Deno.readTextFile(paths.secrets), secrets, "secrets file untouched");
    // Seeds are private to the owner; the server fragment holds public JWTs only.
    assert.equal((await Deno.stat(paths.secrets)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(paths.dir)).mode! & 0o777, 0o700);
    const fragment = await Deno.readTextFile(paths.serverConfig);
    assert.equal(fragment, serverAuthConfig(second, paths.resolverDir));
    assert.match(fragment, /type: full/);
    assert.ok(fragment.includes(`system_account: ${first.systemAccount.publicKey}`));
    assert.doesNotMatch(fragment, /\bS[OAU][A-Z2-7]{56}\b/, "no seed in the server config");
  });
});

Deno.test("a corrupt authority file is an AuthError that says how to recover", async () => {
  await withStateDir(async (dir) => {
    const paths = authorityPaths(dir);
    await Deno.mkdir(paths.dir, { recursive: true });
    for (const text of ["not json", "{}", JSON.stringify({ operatorSeed: "SOXX", system: {} })]) {
      await Deno.writeTextFile(paths.secrets, text);
      await assert.rejects(
        () => loadOrCreateAuthority(dir),
        (error: unknown) =>
          error instanceof AuthError && error.name === "AuthError" &&
          error.message.includes(paths.secrets) &&
          error.message.includes("delete the state dir's auth/ folder") &&
          error.cause !== undefined,
      );
    }
    // An unreadable path is not mistaken for "absent": it is reported, not overwritten.
    await Deno.remove(paths.secrets);
    await Deno.mkdir(paths.secrets);
    await assert.rejects(() => loadOrCreateAuthority(dir));
  });
});

Deno.test("minted users carry their permissions, limits, expiry and account", async () => {
  await withStateDir(async (dir) => {
    const authority = await loadOrCreateAuthority(dir);
    const before = Math.floor(Date.now() / 1000);
    const user = await mintUser(authority, {
      name: "plugin-dice",
      permissions: {
        publish: { allow: ["rosey-test.a.>"], deny: ["rosey-test.a.secret"] },
        subscribe: { allow: ["_INBOX.plugin-dice.>", "x.*.y"] },
        responses: { max: 1, ttlMs: 5 },
      },
      maxSubscriptions: 5,
      maxPayload: 1024,
      expiresInSeconds: 60,
    });
    const claims = decode<User>(user.jwt);
    assert.equal(claims.sub, user.publicKey);
    assert.equal(claims.name, "plugin-dice");
    assert.equal(claims.iss, authority.appAccount.publicKey);
    assert.deepEqual(claims.nats.pub, { allow: ["rosey-test.a.>"], deny: ["rosey-test.a.secret"] });
    assert.deepEqual(claims.nats.sub, { allow: ["_INBOX.plugin-dice.>", "x.*.y"], deny: [] });
    assert.deepEqual(claims.nats.resp, { max: 1, ttl: 5_000_000 });
    assert.equal(claims.nats.subs, 5);
    assert.equal(claims.nats.payload, 1024);
    assert.ok(claims.exp! >= before + 60 && claims.exp! <= before + 61);
    assert.match(user.creds, /-----BEGIN NATS USER JWT-----/);
    assert.ok(user.creds.includes(user.jwt));
    assert.match(user.creds, /\bSU[A-Z2-7]{56}\b/, "the creds hold the user's seed");

    const plain = decode<User>((await mintUser(authority, { name: "x", permissions: {} })).jwt);
    assert.equal(plain.exp, undefined);
    assert.equal(plain.nats.resp, undefined);
    assert.equal(plain.nats.subs, -1);
    const system = await mintUser(authority, {
      name: "sys",
      permissions: {},
      systemAccount: true,
    });
    assert.equal(decode<User>(system.jwt).iss, authority.systemAccount.publicKey);
  });
});

Deno.test("mintUser rejects a permission that is not a valid subject pattern", async () => {
  await withStateDir(async (dir) => {
    const authority = await loadOrCreateAuthority(dir);
    const bad = ["", "a..b", ".a", "a.", "a.>.b", "a>", "a.b*", "*a", "a b", "a\tb"];
    for (const subject of bad) {
      for (
        const permissions of [
          { publish: { allow: [subject] } },
          { publish: { deny: [subject] } },
          { subscribe: { allow: [subject] } },
          { subscribe: { deny: [subject] } },
        ]
      ) {
        await assert.rejects(
          () => mintUser(authority, { name: "bad-user", permissions }),
          (error: unknown) =>
            error instanceof AuthError &&
            error.message.includes(`user bad-user: "${subject}" is not a valid NATS subject`),
          JSON.stringify(permissions),
        );
      }
    }
    for (const subject of [">", "*", "a.*.>", "_INBOX.x.>", "$SYS.REQ.ACCOUNT.*.CLAIMS.UPDATE"]) {
      await mintUser(authority, { name: "ok", permissions: { publish: { allow: [subject] } } });
    }
  });
});

Deno.test("a revoking account JWT adds to the account's revocations and keeps its limits", async () => {
  await withStateDir(async (dir) => {
    const authority = await loadOrCreateAuthority(dir);
    const revoking = decode<{ revocations?: Record<string, number>; limits: unknown }>(
      await accountJwtRevoking(authority, { UABC: 100, UDEF: 200 }),
    );
    const original = decode<{ limits: unknown }>(authority.appAccount.jwt);
    assert.equal(revoking.sub, authority.appAccount.publicKey);
    assert.equal(revoking.iss, authority.operatorKeyPair.getPublicKey());
    assert.deepEqual(revoking.nats.revocations, { UABC: 100, UDEF: 200 });
    assert.deepEqual(revoking.nats.limits, original.nats.limits);
  });
});
