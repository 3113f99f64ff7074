/**
 * JetStream KV buckets made as streams, by an identity with stream rights only (no `Kvm`
 * lookups): the configuration `@nats-io/kv` 3.4 gives a bucket with history 1 (`Bucket.init`
 * in node_modules/@nats-io/kv/lib/kv.js): one message per subject, rollup headers, no deletes
 * through the API, direct get, a two-minute duplicate window. Readers and writers then open the
 * bucket with `@nats-io/kv` as usual.
 *
 * @module
 */
import type { StreamConfig } from "@nats-io/jetstream";
import type { EventBus } from "./event_bus.ts";

/** Two minutes, as `@nats-io/kv` configures buckets (in nanoseconds). */
const DUPLICATE_WINDOW_NS = 120 * 1_000_000_000;

/** The stream configuration of bucket `bucket` (stream `KV_<bucket>`) with `replicas` copies. */
export async function kvBucketStreamConfig(
  bucket: string,
  replicas: number,
): Promise<Partial<StreamConfig> & { name: string }> {
  const { DiscardPolicy, RetentionPolicy, StorageType } = await import("@nats-io/jetstream");
  return {
    name: `KV_${bucket}`,
    subjects: [`$KV.${bucket}.>`],
    retention: RetentionPolicy.Limits,
    max_msgs_per_subject: 1,
    storage: StorageType.File,
    num_replicas: replicas,
    discard: DiscardPolicy.New,
    allow_rollup_hdrs: true,
    deny_delete: true,
    allow_direct: true,
    duplicate_window: DUPLICATE_WINDOW_NS,
  };
}

/**
 * Creates a core bucket when it is missing (at boot, by the stream admin). With
 * `growReplicas`, an existing bucket with fewer copies than `replicas` gets more (a single
 * server's bucket moved to a cluster); nothing else of an existing bucket changes.
 */
export async function ensureCoreBucket(
  bus: EventBus,
  bucket: string,
  replicas: number,
  options: { growReplicas?: boolean } = {},
): Promise<void> {
  const { jetstreamManager } = await import("@nats-io/jetstream");
  const jsm = await jetstreamManager(bus.connection, { checkAPI: false });
  const stream = `KV_${bucket}`;
  const info = await jsm.streams.info(stream).catch((error) => {
    if (/stream not found/i.test(String(error))) return null;
    throw error;
  });
  if (!info) {
    await jsm.streams.add(await kvBucketStreamConfig(bucket, replicas));
    return;
  }
  if (options.growReplicas && info.config.num_replicas < replicas) {
    await jsm.streams.update(stream, { ...info.config, num_replicas: replicas });
  }
}
