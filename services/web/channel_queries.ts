/**
 * The questions the web service asks other components over request/reply: the connector's
 * channel snapshot and the stats service's figures. Each answer is validated at this edge.
 */
import {
  type ChannelSnapshot,
  ChannelSnapshotSchema,
  type ChannelStatsReply,
  ChannelStatsReplySchema,
  type EventBus,
  type Source,
  subjects,
  type UserStatsReply,
  UserStatsReplySchema,
} from "@quicksilver/core";

export class ChannelQueries {
  readonly #bus: EventBus;
  constructor(bus: EventBus) {
    this.#bus = bus;
  }

  snapshot(source: Source): Promise<ChannelSnapshot> {
    return this.#bus.request(
      subjects.platformState(source.platform, "snapshot"),
      { channel: source.channel },
      { timeoutMs: 2000, schema: ChannelSnapshotSchema },
    );
  }

  channelStats(source: Source): Promise<ChannelStatsReply> {
    return this.#bus.request(subjects.statsQuery("channel"), { source }, {
      timeoutMs: 2000,
      replyPrefix: subjects.statsAnswers(this.#bus.name),
      schema: ChannelStatsReplySchema,
    });
  }

  userStats(source: Source, name: string): Promise<UserStatsReply> {
    return this.#bus.request(subjects.statsQuery("user"), { source, name }, {
      timeoutMs: 2000,
      replyPrefix: subjects.statsAnswers(this.#bus.name),
      schema: UserStatsReplySchema,
    });
  }
}
