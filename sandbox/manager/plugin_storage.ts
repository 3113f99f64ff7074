/**
 * Each plugin's `ctx.storage` bucket, made by the manager before launch (plugins never get
 * `$JS.API` rights to make or change streams, NOTES-SANDBOX §5): a JetStream KV bucket
 * `plugin_<name>` whose `max_bytes` and `max_msg_size` are the plugin's quota, so the server
 * refuses a write past it whatever the plugin's code does. Also migrates a `storage.json` left
 * by the file-based storage, once.
 *
 * The stream is configured as `@nats-io/kv` 3.4 configures a bucket (`Bucket.init` in
 * node_modules/@nats-io/kv/lib/kv.js): subjects `$KV.<bucket>.>`, one message per subject,
 * discard new (a full bucket refuses the write instead of dropping the oldest key), rollup
 * headers, no deletes through the API, direct get.
 */
import { errorText, type EventBus, kvBucketStreamConfig, type Logger } from "@quicksilver/core";
import { apiErrorCode, encodeStorageKey, isStorageKey, STORAGE_FILE } from "@quicksilver/sdk";
import { PluginRefusedError } from "./errors.ts";

export interface PluginStorageSpec {
  /** The plugin's name (for messages). */
  plugin: string;
  /** `plugin_<name>` (sandbox/credentials `pluginStorageBucket`). */
  bucket: string;
  /** The bucket's byte quota (the stream's `max_bytes`). */
  maxBytes: number;
  /** The largest value (the stream's `max_msg_size`). */
  maxValueBytes: number;
  /** Replicas: 1 on one server, 3 on a cluster. Default 1. */
  replicas?: number;
}

/** A plugin may hold this many consumers on its bucket (`keys()` makes short-lived ones). */
const MAX_CONSUMERS = 64;

/**
 * Creates the bucket, or brings its quota up to date (an operator changed
 * `plugins.<name>.nats.maxStorageBytes`). Throws {@linkcode PluginRefusedError} (kind
 * `storage`) when JetStream cannot do it: the plugin is not started without its storage.
 *
 * Several plugin hosts may run the plugin and share the bucket: the one that finds it missing
 * creates it (two at once: the second finds it made and goes on), the others leave it as it is
 * when their quota matches. A host whose configured quota differs sets its own and `log`s a
 * warning naming both: the hosts' `plugins.<name>.nats` should agree.
 */
export async function ensurePluginStorage(
  bus: EventBus,
  spec: PluginStorageSpec,
  log?: Logger,
): Promise<void> {
  const stream = `KV_${spec.bucket}`;
  try {
    const { jetstreamManager } = await import("@nats-io/jetstream");
    const jsm = await jetstreamManager(bus.connection, { checkAPI: false });
    const info = await jsm.streams.info(stream).catch((error) => {
      if (/stream not found/i.test(String(error))) return null;
      throw error;
    });
    if (!info) {
      const made = await jsm.streams.add({
        ...await kvBucketStreamConfig(spec.bucket, spec.replicas ?? 1),
        max_bytes: spec.maxBytes,
        max_msg_size: spec.maxValueBytes,
        max_consumers: MAX_CONSUMERS,
      }).then(() => true, (error) => {
        // Another plugin host created it in the meantime (with other limits, or the server
        // would have taken the same config as a no-op): fall through to the quota check.
        if (/already in use/i.test(String(error))) return false;
        throw error;
      });
      if (made) return;
    }
    const c = info?.config ?? (await jsm.streams.info(stream)).config;
    if (c.max_bytes !== spec.maxBytes || c.max_msg_size !== spec.maxValueBytes) {
      log?.warn(
        `storage bucket ${spec.bucket} had max_bytes ${c.max_bytes}, max_msg_size ` +
          `${c.max_msg_size}; set to ${spec.maxBytes}, ${spec.maxValueBytes} from this host's ` +
          `plugins.${spec.plugin}.nats. If another plugin host runs ${spec.plugin}, give both ` +
          `the same limits, or each start changes them back`,
      );
      await jsm.streams.update(stream, {
        ...c,
        max_bytes: spec.maxBytes,
        max_msg_size: spec.maxValueBytes,
      });
    }
  } catch (error) {
    throw new PluginRefusedError(
      spec.plugin,
      "storage",
      `refused: its storage bucket ${spec.bucket} could not be created or updated in JetStream ` +
        `(${errorText(error)}); check that nats-server runs with JetStream enabled`,
      { cause: error },
    );
  }
}

/** What a migration did. */
export interface StorageMigration {
  migrated: number;
  /** Keys not moved (left in the renamed file): not valid storage keys, or already in the bucket. */
  skipped: string[];
  /** Where the old file went. */
  renamedTo: string;
}

/**
 * Moves the keys of `<dataDir>/storage.json` (file-based storage, before KV) into the bucket,
 * then renames the file to `storage.json.migrated`, so this happens once per data dir. A key
 * already in the bucket is kept and the file's value skipped: a second plugin host (its own data
 * dir, an old file in it) never overwrites the live state the first one moved in and changed
 * since. Returns null when there is nothing to migrate. A damaged file is renamed `storage.json.damaged` and logged.
 * The manager prepared the data dir first (symlinks refused), so the file is the plugin's own.
 */
export async function migrateStorageFile(
  bus: EventBus,
  options: { plugin: string; bucket: string; dataDir: string; maxBytes: number; log: Logger },
): Promise<StorageMigration | null> {
  const path = `${options.dataDir}/${STORAGE_FILE}`;
  const stat = await Deno.lstat(path).catch(() => null);
  if (!stat?.isFile) return null;
  let data: Record<string, unknown>;
  try {
    // The old cap was 4 MiB; a file far past the quota cannot fit anyway.
    if (stat.size > Math.max(options.maxBytes, 4 * 1024 * 1024) * 2) throw new Error("too large");
    const parsed = JSON.parse(await Deno.readTextFile(path));
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new Error("not a JSON object");
    }
    data = parsed as Record<string, unknown>;
  } catch (error) {
    const damaged = `${path}.damaged`;
    await Deno.rename(path, damaged);
    options.log.warn(`${STORAGE_FILE} could not be migrated to KV storage; kept as ${damaged}`, {
      error: errorText(error),
    });
    return null;
  }
  const { jetstream } = await import("@nats-io/jetstream");
  const js = jetstream(bus.connection);
  let migrated = 0;
  const skipped: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (!isStorageKey(key) || value === undefined) {
      skipped.push(key);
      continue;
    }
    try {
      // Stored only if the key never had a value (expected last subject sequence 0): a key
      // the bucket holds, or held and the plugin deleted, is the live state, not the file's.
      const stored = await js.publish(
        `$KV.${options.bucket}.${encodeStorageKey(key)}`,
        JSON.stringify(value),
        { expect: { lastSubjectSequence: 0 } },
      ).then(() => true, (error) => {
        if (/wrong last sequence/i.test(String(error)) || apiErrorCode(error) === 10071) {
          return false;
        }
        throw error;
      });
      if (!stored) {
        skipped.push(key);
        continue;
      }
    } catch (error) {
      // Left in place: the next start tries again, after the operator raised the quota.
      throw new PluginRefusedError(
        options.plugin,
        "storage",
        `refused: its ${STORAGE_FILE} could not be moved into its storage bucket ` +
          `(${errorText(error)}); raise plugins.${options.plugin}.nats.maxStorageBytes ` +
          `(now ${options.maxBytes}) and start it again`,
        { cause: error },
      );
    }
    migrated++;
  }
  const renamedTo = `${path}.migrated`;
  await Deno.rename(path, renamedTo);
  return { migrated, skipped, renamedTo };
}
