/**
 * The CyTube connector's counters, in a registry its health reporter publishes on
 * `rosey.monitoring.metrics` (rendered as Prometheus text by the monitor service).
 *
 * @module
 */

import { type Counter, type Gauge, MetricsRegistry } from "@quicksilver/core";
import type { IgnoredCounters } from "./client_events.ts";
import type { OutboxStats } from "@quicksilver/core";

export class ConnectorMetrics {
  readonly registry = new MetricsRegistry();
  readonly framesIn: Counter;
  readonly eventsOut: Counter;
  readonly actions: Counter;
  readonly malformedFrames: Counter;
  readonly ignored: Counter;
  readonly pacingDrops: Counter;
  readonly reconnects: Counter;
  readonly eventsOverflowed: Gauge;
  readonly eventBacklog: Gauge;
  #ignoredSeen: IgnoredCounters = {
    backlog: 0,
    shadow: 0,
    ownChat: 0,
    ownPm: 0,
    malformed: 0,
    unknown: 0,
  };

  constructor() {
    const r = this.registry;
    this.framesIn = r.counter("cytube_frames_in_total", "CyTube frames received, by event");
    this.eventsOut = r.counter("cytube_events_out_total", "Normalized events published, by type");
    this.actions = r.counter("cytube_actions_total", "Platform actions, by action and result");
    this.malformedFrames = r.counter(
      "cytube_malformed_frames_total",
      "CyTube frames that failed their schema and were skipped",
    );
    this.ignored = r.counter(
      "cytube_ignored_total",
      "Chat not turned into events on purpose: join backlog, own echoes, server notices",
    );
    this.pacingDrops = r.counter(
      "cytube_pacing_drops_total",
      "Outgoing chat lines the pacing queue gave up on, by reason",
    );
    this.reconnects = r.counter("cytube_reconnects_total", "Rejoins after a lost connection");
    this.eventsOverflowed = r.gauge(
      "cytube_events_overflowed",
      "Normalized events refused because the in-memory backlog was full (since start)",
    );
    this.eventBacklog = r.gauge("cytube_event_backlog", "Events waiting for a JetStream ack");
  }

  /** Brings the client's cumulative skip counters and the outbox gauges into the registry. */
  sync(ignored: Readonly<IgnoredCounters>, outbox: Readonly<OutboxStats>): void {
    const seen = this.#ignoredSeen;
    const add = (reason: string, now: number, before: number) => {
      if (now > before) this.ignored.inc({ reason }, now - before);
    };
    add("backlog", ignored.backlog, seen.backlog);
    add("shadow_muted", ignored.shadow, seen.shadow);
    add("own_chat", ignored.ownChat, seen.ownChat);
    add("own_pm", ignored.ownPm, seen.ownPm);
    this.#ignoredSeen = { ...ignored };
    this.eventsOverflowed.set(outbox.overflowed);
    this.eventBacklog.set(outbox.backlog);
  }
}
