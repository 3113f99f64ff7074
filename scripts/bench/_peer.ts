/**
 * One side of a benchmark pair, run as its own `deno run` process so that the figures include
 * a real process boundary (as plugins have). Reads `{url, creds}` as one JSON line on stdin,
 * prints one JSON line with its result on stdout.
 *
 * Roles: raw-pub, raw-sub, raw-reply (plain nats.js); bus-pub, bus-sub, bus-reply (EventBus
 * validating each chat-line envelope as the router does).
 */
import { connect, credsAuthenticator } from "@nats-io/transport-node";
import { createEnvelope, envelopeOf, EventBus, MessagePayloadSchema } from "../../core/mod.ts";

// The check the router runs on every chat line.
const messageEnvelope = envelopeOf(MessagePayloadSchema);

const [role, subject, countText, sizeText] = Deno.args;
const count = Number(countText ?? "0");
const size = Number(sizeText ?? "128");
const { url, creds } = JSON.parse(await readLine()) as { url: string; creds: string };
const done = (result: Record<string, unknown>) => console.log(JSON.stringify(result));

async function readLine(): Promise<string> {
  const reader = Deno.stdin.readable.getReader();
  let text = "";
  const decoder = new TextDecoder();
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
  }
  reader.releaseLock();
  return text.split("\n")[0] ?? "";
}

const auth = credsAuthenticator(new TextEncoder().encode(creds));
const sample = createEnvelope("message", { platform: "bench", channel: "bench" }, {
  user: { name: "bencher", rank: 1 },
  text: "x".repeat(Math.max(1, size - 120)),
});

switch (role) {
  case "raw-pub": {
    const nc = await connect({ servers: url, authenticator: auth });
    const data = new TextEncoder().encode(JSON.stringify(sample));
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      nc.publish(subject!, data);
      if (i % 1000 === 999) await nc.flush();
    }
    await nc.flush();
    done({ ms: performance.now() - start });
    await nc.close();
    break;
  }
  case "raw-sub": {
    const nc = await connect({ servers: url, authenticator: auth });
    let seen = 0;
    let first = 0;
    const finished = Promise.withResolvers<void>();
    nc.subscribe(subject!, {
      callback: () => {
        if (seen++ === 0) first = performance.now();
        if (seen === count) finished.resolve();
      },
    });
    await nc.flush();
    done({ ready: true });
    await finished.promise;
    done({ count: seen, ms: performance.now() - first });
    await nc.close();
    break;
  }
  case "raw-reply": {
    const nc = await connect({ servers: url, authenticator: auth });
    nc.subscribe(subject!, {
      callback: (_e, msg) => {
        msg.respond(msg.data);
      },
    });
    await nc.flush();
    done({ ready: true });
    await nc.closed();
    break;
  }
  case "bus-pub": {
    const bus = await EventBus.connect({ servers: url, name: "bench-pub", creds });
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      bus.publish(subject!, sample);
      if (i % 1000 === 999) await bus.flush();
    }
    await bus.flush();
    done({ ms: performance.now() - start });
    await bus.close();
    break;
  }
  case "bus-sub": {
    const bus = await EventBus.connect({ servers: url, name: "bench-sub", creds });
    let seen = 0;
    let first = 0;
    const finished = Promise.withResolvers<void>();
    bus.subscribe(subject!, () => {
      if (seen++ === 0) first = performance.now();
      if (seen === count) finished.resolve();
    }, { schema: messageEnvelope });
    await bus.flush();
    done({ ready: true });
    await finished.promise;
    done({ count: seen, ms: performance.now() - first, invalid: bus.counters.invalid });
    await bus.close();
    break;
  }
  case "bus-reply": {
    const bus = await EventBus.connect({ servers: url, name: "bench-reply", creds });
    bus.serve(subject!, (request) => request, { schema: messageEnvelope });
    await bus.flush();
    done({ ready: true });
    await new Promise(() => {});
    break;
  }
  default:
    console.error(`unknown role ${role}`);
    Deno.exit(2);
}
