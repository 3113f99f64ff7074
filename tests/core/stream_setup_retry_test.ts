import assert from "node:assert/strict";
import { isTransientJetStreamRefusal } from "../../core/bus/core_streams.ts";

/** A JetStream API refusal as nats.js builds it: the server's `err_code` as `code`. */
function refusal(code: number, description: string): Error {
  return Object.assign(new Error(description), { name: "JetStreamApiError", code });
}

Deno.test("boot asks again when a forming cluster or a concurrent create refuses a core stream", () => {
  for (
    const error of [
      refusal(10049, "error creating store for stream"),
      refusal(10058, "stream name already in use with a different configuration"),
      refusal(10008, "JetStream system temporarily unavailable"),
      refusal(10005, "no suitable peers for placement"),
      new Error("wrapped", { cause: refusal(10023, "insufficient resources") }),
      new Error("TIMEOUT"),
    ]
  ) {
    assert.ok(isTransientJetStreamRefusal(error), error.message);
  }
});

Deno.test("boot gives up at once on a refusal that asking again cannot change", () => {
  for (
    const error of [
      refusal(10052, "subjects overlap with an existing stream"),
      refusal(10039, "JetStream not enabled for account"),
      new Error("permissions violation for publish to $JS.API.STREAM.CREATE.ROSEY_EVENTS"),
      "not an error",
    ]
  ) {
    assert.ok(!isTransientJetStreamRefusal(error), String(error));
  }
});
