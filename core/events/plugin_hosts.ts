/**
 * The plugin tables of several plugin hosts, merged: a plugin may run on more than one host at
 * once (its replicas share its command subject as a NATS queue group), so a reader keeps the
 * latest table of each host and sees a plugin as running while any host runs it. A host whose
 * table stops coming (it died: no final table) drops out after three of its publish intervals
 * plus a second; a host that stops cleanly publishes a last table with its plugins stopped.
 *
 * Used by every reader of the tables: command routing, the status views, and each plugin
 * manager (`plugins list` shows every host's replicas, whichever manager answers).
 *
 * @module
 */
import { PLUGIN_STATES, type PluginStatus, type PluginTable } from "./manifest.ts";

/** A table without `intervalMs` (an older manager) is assumed to be republished this often. */
export const DEFAULT_TABLE_INTERVAL_MS = 5000;

interface HostEntry {
  table: PluginTable;
  /** Local time (ms) after which the host counts as gone. */
  staleAt: number;
}

/** The latest table of each plugin host, and their merge. */
export class PluginHostTables {
  readonly #hosts = new Map<string, HostEntry>();

  /**
   * Keeps `table` if it is newer than what its host last sent (a restarted host, with a later
   * `startedAt`, starts its revisions anew). Returns whether it was kept. `now` is local ms.
   */
  apply(table: PluginTable, now = Date.now()): boolean {
    const host = table.host ?? "";
    const held = this.#hosts.get(host)?.table;
    if (held) {
      const heldStart = held.startedAt ?? 0;
      const start = table.startedAt ?? 0;
      if (start < heldStart || (start === heldStart && table.revision <= held.revision)) {
        return false;
      }
    }
    const interval = table.intervalMs ?? DEFAULT_TABLE_INTERVAL_MS;
    this.#hosts.set(host, { table, staleAt: now + 3 * interval + 1000 });
    return true;
  }

  /** Drops hosts whose tables went stale; returns whether any did. */
  expire(now = Date.now()): boolean {
    let dropped = false;
    for (const [host, entry] of this.#hosts) {
      if (now >= entry.staleAt) {
        this.#hosts.delete(host);
        dropped = true;
      }
    }
    return dropped;
  }

  /** The earliest local time a held host goes stale (Infinity with none). */
  get nextExpiry(): number {
    let next = Infinity;
    for (const entry of this.#hosts.values()) next = Math.min(next, entry.staleAt);
    return next;
  }

  /** The hosts held, sorted. */
  get hosts(): string[] {
    return [...this.#hosts.keys()].sort();
  }

  /** Every host's statuses, each marked with its host, sorted by plugin then host. */
  statuses(): PluginStatus[] {
    const out: PluginStatus[] = [];
    for (const host of this.hosts) {
      for (const status of this.#hosts.get(host)!.table.plugins) {
        out.push(host ? { ...status, host } : status);
      }
    }
    return out.sort((a, b) =>
      a.name.localeCompare(b.name) || (a.host ?? "").localeCompare(b.host ?? "")
    );
  }

  /**
   * One status per plugin: running if any host runs it (its status, from the first such host,
   * with `hosts` listing every host running it), else the first host's status. Sorted by name.
   */
  merged(): PluginStatus[] {
    const byName = new Map<string, PluginStatus[]>();
    for (const status of this.statuses()) {
      const list = byName.get(status.name) ?? [];
      list.push(status);
      byName.set(status.name, list);
    }
    const out: PluginStatus[] = [];
    for (const [, list] of byName) {
      const running = list.filter((s) => s.state === PLUGIN_STATES.running);
      const chosen = running[0] ?? list[0]!;
      const hosts = running.map((s) => s.host).filter((h): h is string => h !== undefined);
      out.push(hosts.length > 0 ? { ...chosen, hosts } : chosen);
    }
    return out;
  }
}
