/**
 * The building blocks of a service's NATS role. Every service and connector connects as its
 * own user with exactly what its job needs, and declares that role in its own folder
 * (`role.ts`) from these pieces, so a bug (or a compromise) in one cannot impersonate another.
 * Kept here: the role shape, the inbox grant, the generic platform connector role, durable
 * consumer rights, and the stream admin that creates the contract's streams at boot.
 *
 * Each identity's inbox is `_INBOX.<identity>` (see `inboxPrefix`), and each role grants only
 * its own inbox, so one service cannot read another's replies.
 */
import { CORE_STREAMS, JETSTREAM_API } from "../bus/core_streams.ts";
import { leaseBucketAdminGrants } from "../bus/kv_lease.ts";
import { serviceStateAdminRights } from "../bus/service_state.ts";
import { inboxPrefix, STREAMS, subjects } from "../subjects/mod.ts";
import type { SubjectPermissions } from "./user_credentials.ts";

/** Creates and updates the core JetStream streams at boot (`ensureCoreStreams`). */
export const STREAM_ADMIN_IDENTITY = "svc-stream-admin";

/** The identity of the connector for `platform`: `connector-<platform>`. */
export function connectorIdentity(platform: string): string {
  return `connector-${platform}`;
}

/** A service identity with the permissions to mint it with. */
export interface ServiceRole {
  name: string;
  permissions: SubjectPermissions;
  /** Mint this user in the system account (revocation client only). */
  systemAccount?: boolean;
}

/** The grant for `identity`'s own reply inbox (`_INBOX.<identity>.>`). */
export function inboxGrant(identity: string): string {
  return `${inboxPrefix(identity)}.>`;
}

/**
 * A platform connector: publishes what happens on its platform (raw and normalized), carries
 * out actions addressed to its platform only, and answers state queries about it.
 *
 * Normalized events go into the `ROSEY_EVENTS` stream: a JetStream publish is an ordinary
 * publish on `rosey.events.*` with a reply to the connector's own inbox, so the only JetStream
 * API right it needs is reading that stream's info (to check the stream exists before relying
 * on acknowledgements).
 */
export function connectorRole(platform: string): ServiceRole {
  const name = connectorIdentity(platform);
  return {
    name,
    permissions: {
      publish: {
        allow: [
          subjects.allPlatformRaw(platform),
          subjects.allEvents(),
          JETSTREAM_API.streamInfo(STREAMS.events),
          subjects.monitoringHealth(),
          subjects.monitoringMetrics(),
          ...actionConsumerRights(platform),
          subjects.allActionOutcomes(platform),
        ],
      },
      subscribe: {
        allow: [
          subjects.allPlatformActions(platform),
          subjects.allPlatformState(platform),
          inboxGrant(name),
        ],
      },
      // Replies to state queries go to the asker's inbox, which no general grant covers.
      responses: { max: 1 },
    },
  };
}

/**
 * Creates the core streams at boot and nothing else: account info (which `jetstreamManager`
 * asks first) and info/create/update of the streams in `CORE_STREAMS` and of the services'
 * state bucket (`KV_rosey_services`). No delete, purge or consumer rights, no key of the
 * bucket, and no `rosey.>` subject at all.
 */
export function streamAdminRole(): ServiceRole {
  const name = STREAM_ADMIN_IDENTITY;
  return {
    name,
    permissions: {
      publish: {
        allow: [
          JETSTREAM_API.info(),
          ...CORE_STREAMS.flatMap((stream) => [
            JETSTREAM_API.streamInfo(stream.name),
            JETSTREAM_API.streamCreate(stream.name),
            JETSTREAM_API.streamUpdate(stream.name),
          ]),
          // In live mode a leftover ROSEY_ACTIONS would answer action requests in the
          // connector's place: the admin removes it (ensureCoreStreams). No other stream.
          JETSTREAM_API.streamDelete(STREAMS.actions),
          // The connectors' failover leases (`rosey_leases`), made at boot beside the streams.
          ...leaseBucketAdminGrants(),
          ...serviceStateAdminRights(),
        ],
      },
      subscribe: { allow: [inboxGrant(name)] },
    },
  };
}

/**
 * The JetStream rights to read one durable consumer of one stream, and nothing more: look it
 * up, create it (the server's create subjects, with and without a filter), pull from it and
 * acknowledge. No stream management, no other consumer, no delete.
 */
export function durableConsumerRights(stream: string, durable: string): string[] {
  return [
    "$JS.API.INFO",
    `$JS.API.CONSUMER.INFO.${stream}.${durable}`,
    `$JS.API.CONSUMER.CREATE.${stream}.${durable}`,
    `$JS.API.CONSUMER.CREATE.${stream}.${durable}.>`,
    `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.${durable}`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`,
    `$JS.ACK.${stream}.${durable}.>`,
  ];
}

/**
 * `nats.delivery: durable`: a connector of `platform` takes its actions from `ROSEY_ACTIONS`
 * through a durable consumer per channel (`actionConsumerName`). It may create consumers only
 * filtered to its own platform's actions (the filter is part of the create subject), then look
 * them up, pull and ack. Consumer names are one subject token, so the lookup/pull/ack grants
 * cannot be narrowed to a name prefix: they cover the stream's consumers, whose filters the
 * create grant has already confined for this identity.
 */
export function actionConsumerRights(platform: string): string[] {
  const stream = STREAMS.actions;
  return [
    JETSTREAM_API.info(),
    `$JS.API.CONSUMER.INFO.${stream}.*`,
    `$JS.API.CONSUMER.CREATE.${stream}.*.${subjects.allPlatformActions(platform)}`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.*`,
    `$JS.ACK.${stream}.*.>`,
  ];
}

/**
 * The JetStream rights of a stream reader that keeps its own cursor (`DurableStreams.read`): look
 * up, delete and create its one consumer (the server's create subjects, with and without a
 * filter) and pull from it. No acks (the consumer has none), no other consumer, no stream
 * management.
 */
export function streamReaderRights(stream: string, consumer: string): string[] {
  return [
    "$JS.API.INFO",
    `$JS.API.CONSUMER.INFO.${stream}.${consumer}`,
    `$JS.API.CONSUMER.DELETE.${stream}.${consumer}`,
    `$JS.API.CONSUMER.CREATE.${stream}.${consumer}`,
    `$JS.API.CONSUMER.CREATE.${stream}.${consumer}.>`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`,
  ];
}
