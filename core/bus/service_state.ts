/**
 * The services' durable state in JetStream KV: one bucket, `rosey_services`
 * ({@linkcode KV_BUCKETS}), created at boot with the core streams (R1 on one server, R3 on a
 * cluster, as `ROSEY_EVENTS`), and one key per service and instance (`chatlog.chatlog`,
 * `stats.stats`). A service that starts on another host reads its key and continues where the
 * last one stopped; each service's NATS role may put and get its own key only
 * ({@linkcode serviceStateRights}).
 *
 * The bucket is configured as `@nats-io/kv` 3.4 configures one (`Bucket.init` in
 * node_modules/@nats-io/kv/lib/kv.js): one message per subject, rollup headers, no deletes through
 * the API, direct get. Values are at most the server's `max_payload` (1 MB in nats.conf).
 *
 * @module
 */
import { KV_BUCKETS, token } from "../subjects/mod.ts";
import { clusterReplicas, JETSTREAM_API } from "./core_streams.ts";
import type { EventBus } from "./event_bus.ts";
import { ensureCoreBucket } from "./kv_buckets.ts";

/** The stream behind the services' bucket. */
export const SERVICE_STATE_STREAM = `KV_${KV_BUCKETS.services}`;

/** `<service>.<instance>`: the key of one service instance's state (both tokens validated). */
export function serviceStateKey(service: string, instance: string): string {
  return `${token(service, "service")}.${token(instance, "instance")}`;
}

/**
 * What a service publishes to put and get its one key, and nothing else in JetStream: the key's
 * subject (a put is a JetStream publish, acked to the service's inbox) and the direct get of its
 * last value by subject (`$JS.API.DIRECT.GET.<stream>.<subject>`, nats-server 2.9).
 */
export function serviceStateRights(service: string, instance: string): string[] {
  const subject = `$KV.${KV_BUCKETS.services}.${serviceStateKey(service, instance)}`;
  return [subject, `$JS.API.DIRECT.GET.${SERVICE_STATE_STREAM}.${subject}`];
}

/** What the stream admin needs to create the bucket (see `streamAdminRole`). */
export function serviceStateAdminRights(): string[] {
  return [
    JETSTREAM_API.streamInfo(SERVICE_STATE_STREAM),
    JETSTREAM_API.streamCreate(SERVICE_STATE_STREAM),
    JETSTREAM_API.streamUpdate(SERVICE_STATE_STREAM),
  ];
}

/**
 * Creates the services' bucket if it is missing (at boot, by the stream admin; called by
 * `ensureCoreStreams`), with one replica per server on a cluster (at most 3).
 */
export async function ensureServiceStateBucket(bus: EventBus): Promise<void> {
  // Replicas follow the deployment (a single server's bucket moved to a cluster).
  await ensureCoreBucket(bus, KV_BUCKETS.services, clusterReplicas(bus), { growReplicas: true });
}

/** The KV operations a {@linkcode ServiceState} uses (of `@nats-io/kv`'s `KV`). */
interface KvKey {
  get(key: string): Promise<{ value: Uint8Array; operation: string } | null>;
  put(key: string, value: Uint8Array): Promise<number>;
}

/**
 * One service instance's state in the services' bucket: the last value saved, and a save that
 * replaces it. The caller batches (a save per second at most, not one per event).
 *
 * @example
 * ```ts ignore
 * const state = ServiceState.of(bus, "stats", "stats");
 * const saved = await state.load(); // null on the first start
 * await state.save(new TextEncoder().encode(JSON.stringify({ lastSeq: 42 })));
 * ```
 */
export class ServiceState {
  /** `<service>.<instance>`. */
  readonly key: string;
  readonly #bus: EventBus;
  #kv: Promise<KvKey> | undefined;

  private constructor(bus: EventBus, key: string) {
    this.#bus = bus;
    this.key = key;
  }

  /** The state of `instance` of `service` (nothing is asked of the server until used). */
  static of(bus: EventBus, service: string, instance: string): ServiceState {
    return new ServiceState(bus, serviceStateKey(service, instance));
  }

  /** The value last saved, or null when none was. Rejects when the server cannot be asked. */
  async load(): Promise<Uint8Array | null> {
    const entry = await (await this.#open()).get(this.key);
    if (!entry || entry.operation !== "PUT") return null;
    return entry.value;
  }

  /** Replaces the saved value; resolves once JetStream stored it (on every replica). */
  async save(value: Uint8Array): Promise<void> {
    await (await this.#open()).put(this.key, value);
  }

  #open(): Promise<KvKey> {
    this.#kv ??= Promise.all([import("@nats-io/jetstream"), import("@nats-io/kv")]).then((
      [{ jetstream }, { Kvm }],
    ) =>
      // open() binds without asking the server: the role holds no `$JS.API.STREAM.INFO` right.
      new Kvm(jetstream(this.#bus.connection)).open(KV_BUCKETS.services, { allow_direct: true })
    );
    this.#kv.catch(() => (this.#kv = undefined));
    return this.#kv;
  }
}
