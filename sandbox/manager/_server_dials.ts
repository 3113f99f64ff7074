/**
 * Whose was a connection nats-server refused for lack of credentials, decided without clocks
 * racing: from each plugin's Deno audit log (`DENO_AUDIT_PERMISSIONS`, written by the Deno
 * runtime before the socket is even opened, to a file outside the plugin's reach) and from what
 * the server says about connections (`/connz`), never from anything the plugin's own code can
 * rewrite or hide.
 *
 * - The runner connects before any plugin code is loaded, then makes one audited check of its
 *   own, {@linkcode RUNNER_CONNECTED_MARKER} (a denied environment read). Dials of the NATS server
 *   before that line are the runner's connection; every dial after it is either the runner
 *   reconnecting or the plugin's own connection. (A plugin can write that line again; only the
 *   first one counts, and the plugin's code runs only after it.)
 * - A reconnect ends with a new connection authenticated as the plugin's user: the server's
 *   `/connz` names its start (ns). A connection that started after the manager received the
 *   launch's first heartbeat (ms, same clock) is a reconnect, since the launch's connection
 *   carried that heartbeat; dials up to its second (the audit log's `datetime` has whole seconds)
 *   are the reconnect's. The launch's own connection explains nothing after the marker. (So a
 *   plugin's own dial in the very second its runner reconnects is taken for the reconnect's: the
 *   one case this errs, and on the side of no false report.)
 * - Causality replaces waiting: when the server logs the refusal, the dialler's audit line was
 *   written already (before `connect()`), so reading every audit log to its end then finds it.
 *
 * A refused connection that presented the JWT of one of our plugins' users (its runner's
 * reconnect with ended credentials) is not anonymous and is left alone; a JWT of nobody's
 * excuses nothing (plugin_manager.ts).
 */

/**
 * One launch's dials of the NATS servers (any of the plugin host's `nats.servers`: the runner may
 * reconnect to each), as its audit log shows them.
 */
export class ServerDials {
  /** The marker's time (ms, whole seconds), once seen. */
  #connectedAt: number | undefined;
  /** When the manager got the launch's first heartbeat (ms). */
  #readyAt: number | undefined;
  /** Dials after the marker that nothing explains yet: their audit times (ms, whole seconds). */
  #unexplained: number[] = [];

  /** The runner's marker line (the first one only counts). */
  runnerConnected(at: number): void {
    this.#connectedAt ??= at;
  }

  /** The launch's first heartbeat arrived (its connection was up before `at`, ms). */
  runnerReady(at: number): void {
    this.#readyAt ??= at;
  }

  /** A dial of one of the NATS servers in the audit log, at its `datetime` (ms). */
  dial(at: number): void {
    if (this.#connectedAt !== undefined) this.#unexplained.push(at);
  }

  /**
   * A connection of the runner's user started at `startMs` (from `/connz`): one started after
   * the launch's first heartbeat is a reconnect, and explains the dials up to its second.
   */
  runnerConnectionStarted(startMs: number): void {
    if (this.#readyAt === undefined || startMs <= this.#readyAt) return;
    const second = Math.floor(startMs / 1000) * 1000;
    this.#unexplained = this.#unexplained.filter((at) => at > second);
  }

  /** Dials nothing explains: the plugin's own connections. */
  get unexplained(): number {
    return this.#unexplained.length;
  }

  /** Forgets the unexplained dials (they were reported). */
  settle(): void {
    this.#unexplained = [];
  }
}

/** What the decision needs to know of one plugin. */
export interface DialCandidate {
  name: string;
  /** Its current launch's user (the `authorized_user` the server shows), if launched. */
  userKey: string | undefined;
  dials: ServerDials | undefined;
  /** Reads its audit log to its current end. */
  pollAudit(): Promise<void>;
}

/** One connection as `/connz?auth=true` shows it. */
export interface ConnzEntry {
  authorized_user?: string;
  start?: string;
  jwt?: string;
}

/**
 * The plugins that dialled the NATS server on their own (beyond their runner's connections),
 * once every audit log was read to its end and their runners' reconnects were taken off. The
 * refused connection is theirs: none of their dials is explained otherwise.
 */
export async function anonymousDialers(
  candidates: readonly DialCandidate[],
  openConnections: () => Promise<ConnzEntry[] | undefined>,
): Promise<DialCandidate[]> {
  await Promise.all(candidates.map((candidate) => candidate.pollAudit()));
  const dialled = candidates.filter((candidate) => (candidate.dials?.unexplained ?? 0) > 0);
  if (dialled.length === 0) return [];
  const connections = await openConnections();
  for (const candidate of dialled) {
    for (const connection of connections ?? []) {
      if (!candidate.userKey || connection.authorized_user !== candidate.userKey) continue;
      const start = Date.parse(connection.start ?? "");
      if (Number.isFinite(start)) candidate.dials?.runnerConnectionStarted(start);
    }
  }
  return dialled.filter((candidate) => (candidate.dials?.unexplained ?? 0) > 0);
}
