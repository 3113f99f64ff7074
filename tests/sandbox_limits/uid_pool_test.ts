import assert from "node:assert/strict";
import { createUidPool, UidPool, UidPoolError } from "../../sandbox/process/mod.ts";

Deno.test("a plugin always gets the same uid, derived from its name, in 61000-61999", async () => {
  const a = await createUidPool({ isRoot: true });
  const b = await createUidPool({ isRoot: true });
  const first = a.assign("trivia");
  assert.ok(first);
  assert.ok(first.uid >= 61000 && first.uid <= 61999);
  assert.equal(first.gid, first.uid);
  assert.deepEqual(a.assign("trivia"), first, "stable within a run");
  assert.deepEqual(b.assign("trivia"), first, "stable across runs (a fresh pool)");
  assert.notEqual(a.assign("dice")?.uid, first.uid);
});

Deno.test("colliding plugins get distinct uids, and preferUid keeps a data dir's owner", () => {
  const pool = new UidPool({ isRoot: true, first: 62000, last: 62002, reservedIds: [62001] });
  const ids = ["a", "b"].map((name) => pool.assign(name)?.uid);
  assert.equal(new Set(ids).size, 2);
  assert.ok(!ids.includes(62001), "ids of existing accounts are never handed out");
  assert.throws(() => pool.assign("c"), UidPoolError);
  pool.release("a");
  assert.equal(pool.assign("c", { preferUid: ids[0] })?.uid, ids[0]);
});

Deno.test("without root the pool hands out nothing and says why", async () => {
  const warnings: string[] = [];
  const pool = await createUidPool({
    isRoot: false,
    logger: {
      debug() {},
      info() {},
      warn: (m) => warnings.push(m),
      error() {},
      child() {
        return this;
      },
    },
  });
  assert.equal(pool.assign("trivia"), null);
  assert.equal(pool.enabled, false);
  assert.match(pool.unavailableReason ?? "", /^plugins share the manager's uid because/);
  assert.equal(warnings.length, 1);
  const noSetpriv = await createUidPool({ isRoot: true, setprivAvailable: false });
  assert.match(noSetpriv.unavailableReason ?? "", /setpriv/);
});

Deno.test("a malformed uid range is refused with an example", () => {
  assert.throws(() => new UidPool({ first: 5, last: 1, reservedIds: [] }), /e\.g\. 61000-61999/);
  assert.throws(() => new UidPool({ first: 100, last: 200, reservedIds: [] }), /system accounts/);
});
