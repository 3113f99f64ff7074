/**
 * Publish and subscribe with a typed, validated handler.
 *
 *   deno task nats                                   # in another terminal
 *   deno run -A docs/examples/publish_subscribe.ts
 *
 * Prints the chat line it received and what happened to the malformed one.
 */
import {
  createEnvelope,
  envelopeOf,
  EVENT_TYPES,
  MessagePayloadSchema,
  RANKS,
  subjects,
} from "@quicksilver/core";
import { connectExample } from "./_connect.ts";

const bus = await connectExample("example-pubsub");
const subject = subjects.event(EVENT_TYPES.message); // never spell subjects by hand

const received = Promise.withResolvers<void>();
const sub = bus.subscribe(subject, (envelope) => {
  // `envelope` is typed: Envelope<MessagePayload>, already validated.
  console.log(`${envelope.payload.user.name}: ${envelope.payload.text}`);
  received.resolve();
}, {
  schema: envelopeOf(MessagePayloadSchema),
  // Invalid messages never reach the handler; they are counted, logged and reported here.
  onInvalid: (error) => console.log(`rejected: ${error.field}`),
});
await bus.flush(); // the server knows the subscription before we publish

const source = { platform: "example", channel: "lobby" };
bus.publish(subject, { ...createEnvelope(EVENT_TYPES.message, source, {}), payload: { text: 1 } });
bus.publish(
  subject,
  createEnvelope(EVENT_TYPES.message, source, {
    user: { name: "alice", rank: RANKS.user },
    text: "hello from the bus",
  }),
);
await received.promise;
console.log(`invalid messages: ${bus.counters.invalid}`);
await sub.drain();
await bus.close();
