/**
 * The JetStream streams the core relies on, created once at boot by an identity allowed to
 * manage streams ({@linkcode streamAdminRole}). Connectors only publish into them: a
 * JetStream publish is an ordinary publish with a reply inbox, so no connector needs
 * `$JS.API` rights beyond reading the stream's info.
 */
import { type Envelope, EnvelopeSchema } from "../events/envelope.ts";
import { STREAMS, subjects } from "../subjects/mod.ts";
import type { DurableConsumer, DurableDelivery, StreamSpec } from "./durable_streams.ts";
import type { EventBus } from "./event_bus.ts";
import type { Delivery } from "./delivery.ts";
import { ensureLeaseBucket } from "./kv_lease.ts";
import { ensureServiceStateBucket } from "./service_state.ts";
import { sleep } from "./_reattach.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * `ROSEY_EVENTS`: every normalized event (`rosey.events.>`), kept 7 days on disk so that log
 * and stats services can consume them durably and catch up after a restart. The 2-minute
 * duplicate window is what makes the connectors' retried publishes safe.
 */
export const EVENTS_STREAM: Readonly<StreamSpec> = {
  name: STREAMS.events,
  subjects: [subjects.allEvents()],
  storage: "file",
  maxAgeMs: 7 * DAY_MS,
  duplicateWindowMs: 2 * 60 * 1000,
};

/**
 * `ROSEY_ACTIONS`: platform actions (`rosey.platform.*.action.*`), in `nats.delivery: durable`
 * only. The 2-minute duplicate window is the exactly-once of replies: every command dispatcher that answers
 * the same event publishes with the same `Nats-Msg-Id` (the event id and the line's index), and
 * the server keeps the first. Kept 10 minutes: an action older than that is no longer an answer.
 * Only in durable mode: in live mode a stream on these subjects would answer every action
 * request (the moderator's `kick`) with its own publish ack, before the connector could.
 */
export const ACTIONS_STREAM: Readonly<StreamSpec> = {
  name: STREAMS.actions,
  subjects: [subjects.everyPlatformAction()],
  storage: "file",
  maxAgeMs: 10 * 60 * 1000,
  duplicateWindowMs: 2 * 60 * 1000,
};

/** Every stream {@linkcode ensureCoreStreams} may create (for the stream admin's role). */
export const CORE_STREAMS: readonly Readonly<StreamSpec>[] = [EVENTS_STREAM, ACTIONS_STREAM];

/**
 * Creates the core streams, or brings their subjects and limits up to date, the connectors'
 * lease bucket (`rosey_leases`, {@linkcode ensureLeaseBucket}) when missing, and the services'
 * state bucket (`rosey_services`, see `ServiceState`). Call it at boot
 * with a bus connected as {@linkcode streamAdminRole} (or any user with those rights),
 * before connectors start publishing events. `delivery` (`nats.delivery`, default `live`)
 * decides `ROSEY_ACTIONS`: created in `durable` mode, deleted in `live` mode (a leftover of a
 * durable run would capture every action and answer action requests in the connector's place).
 *
 * @example
 * ```ts ignore
 * const admin = await EventBus.connect({ servers, name: role.name, creds });
 * await ensureCoreStreams(admin, { delivery: "durable" });
 * await admin.close();
 * ```
 */
export async function ensureCoreStreams(
  bus: EventBus,
  options: { delivery?: Delivery } = {},
): Promise<void> {
  const replicas = clusterReplicas(bus);
  const durable = options.delivery === "durable";
  // Every step is idempotent (info, then update or create), so a transient refusal is met by
  // doing them all again.
  for (let attempt = 1;; attempt++) {
    try {
      for (const spec of CORE_STREAMS) {
        if (spec === ACTIONS_STREAM && !durable) {
          await bus.durable.deleteStream(spec.name);
          continue;
        }
        await bus.durable.ensureStream({ ...spec, subjects: [...spec.subjects], replicas });
      }
      await ensureLeaseBucket(bus);
      await ensureServiceStateBucket(bus);
      return;
    } catch (error) {
      if (attempt >= STREAM_SETUP_ATTEMPTS || !isTransientJetStreamRefusal(error)) throw error;
      await sleep(Math.min(250 * 2 ** (attempt - 1), 2000));
    }
  }
}

/** How many times boot asks for the core streams before the refusal is the caller's (~20 s). */
const STREAM_SETUP_ATTEMPTS = 12;

/**
 * JetStream API refusals that a moment later are not: seen while a cluster is still forming, or
 * while another process of the bot creates the same stream at the same moment (each `deno task
 * start` process ensures the core streams). By `err_code` (nats-server server/errors.json):
 * 10049 "error creating store for stream" (the server hides the cause in its own log), 10058
 * "stream name already in use" (a concurrent create won), 10008 "JetStream system temporarily
 * unavailable", 10005 "no suitable peers for placement" and 10023 "insufficient resources" (peers
 * not yet known to the meta group); also a request that timed out.
 */
export function isTransientJetStreamRefusal(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "number" && code >= 10000) return TRANSIENT_API_ERRORS.includes(code);
    if (/timeout|timed out/i.test(cause.message)) return true;
    cause = cause.cause;
  }
  return false;
}

const TRANSIENT_API_ERRORS = [10049, 10058, 10008, 10005, 10023];

/**
 * How many copies a core stream keeps: 1 on a single server; on a cluster (the server's INFO
 * names one) one per server it advertises, at most 3, so that the events survive losing a
 * node (`deno task cluster`, docs/SCALING.md).
 */
export function clusterReplicas(bus: EventBus): number {
  const info = bus.connection.info;
  if (!info?.cluster) return 1;
  return Math.max(1, Math.min(3, info.connect_urls?.length ?? 1));
}

/**
 * JetStream API subjects, for roles and for the few callers that ask JetStream directly.
 * `info` is what `jetstreamManager()` asks first; `streamInfo` answers "does the stream exist".
 */
export const JETSTREAM_API = {
  info: () => "$JS.API.INFO",
  streamInfo: (stream: string) => `$JS.API.STREAM.INFO.${stream}`,
  /** Direct get of one stream's messages (`$JS.API.DIRECT.GET.<stream>`, then `.<subject>`). */
  directGet: (stream: string) => `$JS.API.DIRECT.GET.${stream}`,
  streamCreate: (stream: string) => `$JS.API.STREAM.CREATE.${stream}`,
  streamUpdate: (stream: string) => `$JS.API.STREAM.UPDATE.${stream}`,
  streamDelete: (stream: string) => `$JS.API.STREAM.DELETE.${stream}`,
} as const;

/**
 * Consumes every normalized event from `ROSEY_EVENTS` under the durable name `durable`, each a
 * validated envelope, in stream order. Up to 1024 handlers may be unfinished at once, so a
 * service that group-commits acks a whole batch per disk write (see `maxInFlight`).
 */
export function consumeEvents(
  bus: EventBus,
  durable: string,
  handler: (envelope: Envelope, delivery: DurableDelivery) => void | Promise<void>,
): DurableConsumer {
  return bus.durable.consume<Envelope>({
    stream: STREAMS.events,
    durable,
    filterSubject: subjects.allEvents(),
    schema: EnvelopeSchema,
    maxInFlight: 1024,
  }, handler);
}

/**
 * Reads every normalized event from `ROSEY_EVENTS`, each a validated envelope, in stream order,
 * starting at `from()` (asked at every attach: the caller's own cursor + 1) through the consumer
 * `name` without acks (see `DurableStreams.read`). The handler is called synchronously per
 * event; when it throws or its promise rejects, the reader attaches again at `from()`.
 */
export function readEvents(
  bus: EventBus,
  name: string,
  from: () => number,
  handler: (envelope: Envelope, delivery: DurableDelivery) => void | Promise<void>,
): DurableConsumer {
  return bus.durable.read<Envelope>({
    stream: STREAMS.events,
    name,
    filterSubject: subjects.allEvents(),
    schema: EnvelopeSchema,
    from,
  }, handler);
}
