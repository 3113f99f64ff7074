/**
 * The raw NATS baseline and the EventBus figures measured against it in the same run: plain
 * nats.js publish -> subscribe throughput and request/reply latency between two Deno
 * processes, then the same through the EventBus with envelope validation.
 */
import { connect, credsAuthenticator } from "@nats-io/transport-node";
import { createEnvelope, EventBus, mintUser, type UserCredentials } from "../../core/mod.ts";
import type { NatsServer } from "@quicksilver/testbed";
import { type LatencySummary, round, summarize } from "./stats.ts";

const PEER = new URL("./_peer.ts", import.meta.url).pathname;

export interface ThroughputFigure {
  messages: number;
  publishPerSecond: number;
  receivePerSecond: number;
}

/** Request/reply with `inFlight` requests outstanding at all times (raw nats.js). */
export interface PipelinedFigure {
  requests: number;
  inFlight: number;
  perSecond: number;
}

/** Requests kept outstanding by the pipelined baseline: enough that no hop idles. */
export const PIPELINED_IN_FLIGHT = 64;

export interface BaselineFigures {
  raw: {
    throughput: ThroughputFigure;
    requestReply: LatencySummary;
    /** The rate the end-to-end rate is a share of: replies/s with requests kept in flight. */
    pipelined: PipelinedFigure;
  };
  /** The EventBus, as every process runs it. */
  bus: { throughput: ThroughputFigure; requestReply: LatencySummary };
  samples: { rawRequestReply: number[]; busRequestReply: number[] };
}

type PeerKind = "raw" | "bus";

interface Peer {
  lines: AsyncIterator<string>;
  process: Deno.ChildProcess;
  next(): Promise<Record<string, unknown>>;
  kill(): Promise<void>;
}

async function startPeer(server: NatsServer, user: UserCredentials, args: string[]): Promise<Peer> {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net=" + server.url, "--allow-env", PEER, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = process.stdin.getWriter();
  await writer.write(
    new TextEncoder().encode(JSON.stringify({ url: server.url, creds: user.creds }) + "\n"),
  );
  await writer.close();
  const lines = process.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(splitLines())
    [Symbol.asyncIterator]();
  return {
    lines,
    process,
    next: async () => {
      const { value, done } = await lines.next();
      if (done) throw new Error(`benchmark peer ${args[0]} exited early`);
      return JSON.parse(value);
    },
    kill: async () => {
      try {
        process.kill("SIGKILL");
      } catch {
        // already exited
      }
      await process.status;
      await lines.return?.();
    },
  };
}

function splitLines(): TransformStream<string, string> {
  let buffer = "";
  return new TransformStream({
    transform(chunk, controller) {
      buffer += chunk;
      const parts = buffer.split("\n");
      buffer = parts.pop() ?? "";
      for (const line of parts) if (line.trim()) controller.enqueue(line);
    },
    flush(controller) {
      if (buffer.trim()) controller.enqueue(buffer);
    },
  });
}

async function throughput(
  server: NatsServer,
  user: UserCredentials,
  kind: PeerKind,
  messages: number,
): Promise<ThroughputFigure> {
  const subject = `bench.${kind}.throughput`;
  const sub = await startPeer(server, user, [`${kind}-sub`, subject, String(messages)]);
  await sub.next(); // ready
  const pub = await startPeer(server, user, [`${kind}-pub`, subject, String(messages), "128"]);
  const published = await pub.next() as { ms: number };
  const received = await sub.next() as { count: number; ms: number };
  await Promise.all([pub.kill(), sub.kill()]);
  return {
    messages,
    publishPerSecond: Math.round(messages / (published.ms / 1000)),
    receivePerSecond: Math.round(received.count / (received.ms / 1000)),
  };
}

async function requestReply(
  server: NatsServer,
  user: UserCredentials,
  kind: PeerKind,
  requests: number,
): Promise<number[]> {
  const subject = `bench.${kind}.rr`;
  const replier = await startPeer(server, user, [`${kind}-reply`, subject]);
  await replier.next();
  const sample = createEnvelope("message", { platform: "bench", channel: "bench" }, {
    user: { name: "bencher", rank: 1 },
    text: "x".repeat(8),
  });
  const samples: number[] = [];
  if (kind === "raw") {
    const nc = await connect({
      servers: server.url,
      authenticator: credsAuthenticator(new TextEncoder().encode(user.creds)),
    });
    const data = new TextEncoder().encode(JSON.stringify(sample));
    for (let i = 0; i < requests; i++) {
      const t = performance.now();
      await nc.request(subject, data, { timeout: 5000 });
      samples.push(performance.now() - t);
    }
    await nc.close();
  } else {
    const bus = await EventBus.connect({
      servers: server.url,
      name: "bench-requester",
      creds: user.creds,
    });
    for (let i = 0; i < requests; i++) {
      const t = performance.now();
      await bus.request(subject, sample, { timeoutMs: 5000 });
      samples.push(performance.now() - t);
    }
    await bus.close();
  }
  await replier.kill();
  return samples.slice(Math.floor(requests / 20)); // drop warm-up
}

/**
 * Raw nats.js request/reply between two processes with {@linkcode PIPELINED_IN_FLIGHT} requests
 * outstanding at all times (each worker sends its next request when its reply arrives): the
 * highest rate one request/reply hop reaches here, to put the bot's end-to-end rate against.
 */
async function pipelinedRequestReply(
  server: NatsServer,
  user: UserCredentials,
  requests: number,
): Promise<PipelinedFigure> {
  const subject = "bench.raw.pipelined";
  const replier = await startPeer(server, user, ["raw-reply", subject]);
  await replier.next();
  const nc = await connect({
    servers: server.url,
    authenticator: credsAuthenticator(new TextEncoder().encode(user.creds)),
  });
  const data = new TextEncoder().encode(JSON.stringify(
    createEnvelope("message", { platform: "bench", channel: "bench" }, {
      user: { name: "bencher", rank: 1 },
      text: "!roll 1d1+1",
    }),
  ));
  const run = async (count: number) => {
    let left = count;
    const worker = async () => {
      while (left-- > 0) await nc.request(subject, data, { timeout: 5000 });
    };
    await Promise.all(Array.from({ length: PIPELINED_IN_FLIGHT }, worker));
  };
  await run(Math.min(2000, requests)); // warm-up
  const start = performance.now();
  await run(requests);
  const seconds = (performance.now() - start) / 1000;
  await nc.close();
  await replier.kill();
  return { requests, inFlight: PIPELINED_IN_FLIGHT, perSecond: Math.round(requests / seconds) };
}

export async function measureBaseline(
  server: NatsServer,
  options: { messages: number; requests: number },
): Promise<BaselineFigures> {
  const user = await mintUser(server.authority, {
    name: "bench",
    permissions: { publish: { allow: [">"] }, subscribe: { allow: [">"] } },
  });
  const rawThroughput = await throughput(server, user, "raw", options.messages);
  const busThroughput = await throughput(server, user, "bus", options.messages);
  const rawRR = await requestReply(server, user, "raw", options.requests);
  const busRR = await requestReply(server, user, "bus", options.requests);
  const pipelined = await pipelinedRequestReply(server, user, options.requests * 10);
  return {
    raw: { throughput: rawThroughput, requestReply: summarize(rawRR), pipelined },
    bus: { throughput: busThroughput, requestReply: summarize(busRR) },
    samples: { rawRequestReply: rawRR, busRequestReply: busRR },
  };
}

export function ratio(value: number, baseline: number): number {
  return baseline === 0 ? 0 : round(value / baseline, 2);
}
