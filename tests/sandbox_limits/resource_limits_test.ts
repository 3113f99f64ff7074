import assert from "node:assert/strict";
import {
  DEFAULT_RESOURCE_LIMITS,
  parseResourceLimits,
  ResourceLimitsError,
} from "../../sandbox/limits/mod.ts";

Deno.test("limits default to 256 MB, half a core, 64 tasks, 256 files, no CPU backstop, a 64 MiB / 10,000-file data dir", () => {
  assert.deepEqual(parseResourceLimits({}), {
    memoryMb: 256,
    cpu: 0.5,
    pids: 64,
    openFiles: 256,
    dataMb: 64,
    dataFiles: 10_000,
  });
  assert.deepEqual(parseResourceLimits(undefined), DEFAULT_RESOURCE_LIMITS);
  assert.equal(parseResourceLimits({ cpuSecondsBackstop: 3600 }).cpuSecondsBackstop, 3600);
});

Deno.test("a bad limit names the key and says how to fix it", () => {
  let err: unknown;
  try {
    parseResourceLimits({ memoryMb: "lots" }, "plugins.trivia.limits");
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ResourceLimitsError);
  assert.equal(err.key, "plugins.trivia.limits.memoryMb");
  assert.match(err.message, /^plugins\.trivia\.limits\.memoryMb: "lots" is not valid/);
  assert.match(err.message, /e\.g\. memoryMb: 256/);
  assert.ok(err.cause !== undefined);
});

Deno.test("limits below what Deno needs to start are refused with the reason", () => {
  assert.throws(() => parseResourceLimits({ openFiles: 16 }), /openFiles.*Deno panics/);
  assert.throws(() => parseResourceLimits({ pids: 4 }), /pids: 4 is not valid/);
  assert.throws(() => parseResourceLimits({ cpu: 0 }), /cpu.*half a core/);
  assert.throws(() => parseResourceLimits({ memoryMb: 64.5 }), /memoryMb.*whole number/);
});

Deno.test("an unknown limit key is refused so that typos surface", () => {
  assert.throws(
    () => parseResourceLimits({ memory: 256 }),
    (err: unknown) =>
      err instanceof ResourceLimitsError && err.key === "limits.memory" &&
      /unknown key "memory"; use only memoryMb, cpu/.test(err.message),
  );
  assert.throws(() => parseResourceLimits(42), /limits: must be an object/);
});
