import assert from "node:assert/strict";
import {
  Cooldowns,
  KeyedRateLimiter,
  NoticeThrottle,
  TokenBucket,
} from "../../services/router/mod.ts";

Deno.test("a token bucket allows its burst, then refills at its rate", () => {
  const bucket = new TokenBucket({ burst: 3, perSecond: 2 }, 0);
  assert.deepEqual([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)], [
    true,
    true,
    true,
    false,
  ]);
  assert.equal(bucket.retryAfterMs(0), 500);
  assert.equal(bucket.take(499), false);
  assert.equal(bucket.take(500), true);
  assert.equal(bucket.isFull(10_000), true, "refill stops at the burst");
});

Deno.test("a keyed limiter keeps users apart and forgets idle ones when full", () => {
  const limiter = new KeyedRateLimiter({ burst: 1, perSecond: 1 }, { maxKeys: 2 });
  assert.deepEqual(limiter.take("alice", 0), { ok: true });
  assert.deepEqual(limiter.take("alice", 0), { ok: false, retryAfterMs: 1000 });
  assert.deepEqual(limiter.take("bob", 0), { ok: true });
  // Both buckets are full again at t=5s, so a third key makes room instead of growing.
  assert.deepEqual(limiter.take("carol", 5000), { ok: true });
  assert.equal(limiter.size, 1);
});

Deno.test("cooldowns count down per key and notices are throttled per window", () => {
  const cooldowns = new Cooldowns();
  cooldowns.start("alice/roll", 3000, 0);
  assert.equal(cooldowns.remainingMs("alice/roll", 1000), 2000);
  assert.equal(cooldowns.remainingMs("bob/roll", 1000), 0);
  assert.equal(cooldowns.remainingMs("alice/roll", 3000), 0);
  const notices = new NoticeThrottle();
  assert.equal(notices.allow("alice", 10_000, 0), true);
  assert.equal(notices.allow("alice", 10_000, 9_999), false);
  assert.equal(notices.allow("bob", 10_000, 5), true);
  assert.equal(notices.allow("alice", 10_000, 10_000), true);
});
