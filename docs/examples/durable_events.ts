/**
 * The no-loss path: a JetStream stream, publishes that resolve only once the server stored them
 * (retried through outages), and a durable consumer that resumes where it stopped.
 *
 *   deno run -A docs/examples/durable_events.ts
 *
 * Run it twice against the same server: the second run reads only its own three messages,
 * because the durable consumer remembers what it acknowledged.
 */
import { subjects } from "@quicksilver/core";
import { connectExample } from "./_connect.ts";

const bus = await connectExample("example-durable");

// A stream of its own (the core streams are created by the core: ensureCoreStreams).
await bus.durable.ensureStream({
  name: "EXAMPLE_DURABLE",
  subjects: [subjects.pluginAll("example")],
  maxAgeMs: 60 * 60 * 1000,
});

for (let n = 1; n <= 3; n++) {
  const ack = await bus.durable.publish(subjects.plugin("example", "tick"), { n });
  console.log(`stored #${n} as seq ${ack.seq}${ack.duplicate ? " (duplicate)" : ""}`);
}

const seen: number[] = [];
const done = Promise.withResolvers<void>();
const consumer = bus.durable.consume<{ n: number }>(
  { stream: "EXAMPLE_DURABLE", durable: "example-reader" },
  // Returning acknowledges; throwing asks for redelivery later.
  (value, delivery) => {
    console.log(`consumed #${value.n} (seq ${delivery.seq})`);
    seen.push(value.n);
    if (value.n === 3) done.resolve();
  },
);
await done.promise;
await consumer.stop();
await bus.close();
