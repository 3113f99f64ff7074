/**
 * What the persistence path costs nats-server, alone: chat lines published at `rate` into
 * `ROSEY_EVENTS` for `seconds`, read by two readers as the chat log and stats read them, and
 * nats-server's CPU per line from `/proc/<pid>/stat`. One variant per way of reading, each on a
 * fresh nats-server, so they compare in one run: `deno task bench persistence`.
 */
import {
  createEnvelope,
  type DurableConsumer,
  ensureServiceStateBucket,
  EventBus,
  EVENTS_STREAM,
  mintUser,
  STREAMS,
  subjects,
} from "../../core/mod.ts";
import { startEphemeralNatsServer } from "@quicksilver/testbed";
import { ChatLogService } from "../../services/chatlog/mod.ts";
import { StatsService } from "../../services/stats/mod.ts";
import { smapsField } from "./plugin_memory.ts";
import { cpuSeconds } from "./process_cpu.ts";
import { round } from "./stats.ts";

/**
 * How the two readers read: as before issue 19, as now, or not at all (the stream alone); and
 * the real chat log and stats services (their files, their saved cursors and state) reading
 * the same way.
 */
export type PersistenceVariant =
  | "stream only"
  | "durable, explicit acks"
  | "own cursor, no acks"
  | "chatlog + stats services";

export const PERSISTENCE_VARIANTS: readonly PersistenceVariant[] = [
  "stream only",
  "durable, explicit acks",
  "own cursor, no acks",
  "chatlog + stats services",
];

export interface PersistenceFigure {
  variant: PersistenceVariant;
  lines: number;
  /** nats-server CPU per line published, microseconds. */
  natsUsPerLine: number;
  /** This process's CPU per line (publisher and both readers), microseconds. */
  clientUsPerLine: number;
  /** nats-server's PSS after the run, MB (its stream cache and Go heap). */
  natsPssMb: number;
}

export async function measurePersistence(
  variant: PersistenceVariant,
  options: { rate: number; seconds: number },
): Promise<PersistenceFigure> {
  await using nats = await startEphemeralNatsServer();
  const user = await mintUser(nats.server.authority, {
    name: "bench-persistence",
    permissions: { publish: { allow: [">"] }, subscribe: { allow: [">"] } },
  });
  const bus = await EventBus.connect({
    servers: nats.server.url,
    name: "bench-persistence",
    creds: user.creds,
  });
  const stateDir = await Deno.makeTempDir({ prefix: "bench-persistence-" });
  try {
    await bus.durable.ensureStream({ ...EVENTS_STREAM, subjects: [...EVENTS_STREAM.subjects] });
    await ensureServiceStateBucket(bus);
    let read = 0;
    const readers: DurableConsumer[] = [];
    let services: { chatlog: ChatLogService; stats: StatsService } | undefined;
    if (variant === "chatlog + stats services") {
      services = {
        chatlog: await ChatLogService.start(bus, { dir: `${stateDir}/logs` }),
        stats: await StatsService.start(bus, { dir: `${stateDir}/stats` }),
      };
      const { chatlog, stats } = services;
      readers.push({
        ready: Promise.resolve(),
        stop: () => Promise.all([chatlog.close(), stats.close()]).then(() => {}),
      });
    }
    for (const name of ["chatlog", "stats"]) {
      if (variant === "durable, explicit acks") {
        readers.push(bus.durable.consume({
          stream: STREAMS.events,
          durable: name,
          filterSubject: subjects.allEvents(),
          maxInFlight: 1024,
        }, () => {
          read++;
        }));
      } else if (variant === "own cursor, no acks") {
        let cursor = 0;
        readers.push(bus.durable.read({
          stream: STREAMS.events,
          name,
          filterSubject: subjects.allEvents(),
          from: () => cursor + 1,
        }, (_value, delivery) => {
          cursor = delivery.seq;
          read++;
        }));
      }
    }
    const line = createEnvelope("message", { platform: "bench", channel: "room" }, {
      user: { name: "user1", rank: 1 },
      text: "!roll 1d1+1",
    });
    const total = Math.round(options.rate * options.seconds);
    const pid = nats.server.pid!;
    const processes = [{ name: "nats", pid }, { name: "client", pid: Deno.pid }];
    const before = await cpuSeconds(processes);
    let sent = 0;
    const start = performance.now();
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const due = Math.min(total, Math.round((performance.now() - start) * options.rate / 1000));
        while (sent < due) {
          bus.publish(subjects.event("message"), line);
          sent++;
        }
        if (sent >= total) {
          clearInterval(timer);
          resolve();
        }
      }, 1);
    });
    const expected = readers.length * total;
    const deadline = Date.now() + 10_000;
    while (read < expected && Date.now() < deadline) {
      if (services) read = Math.min(services.chatlog.lastSeq, services.stats.lastSeq) * 2;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const after = await cpuSeconds(processes);
    const natsPssMb = round(await smapsField(pid, "Pss") / 1048576, 1);
    await Promise.all(readers.map((reader) => reader.stop()));
    const us = (name: string) => round((after.get(name)! - before.get(name)!) * 1e6 / total, 1);
    return {
      variant,
      lines: total,
      natsUsPerLine: us("nats"),
      clientUsPerLine: us("client"),
      natsPssMb,
    };
  } finally {
    await bus.close();
    await Deno.remove(stateDir, { recursive: true }).catch(() => {});
  }
}
