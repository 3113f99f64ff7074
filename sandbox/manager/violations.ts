/**
 * Every denial the manager can see, turned into a `SecurityViolation` on
 * `rosey.security.violation` (and a log line):
 * - Deno permission checks outside the grants, from the `DENO_AUDIT_PERMISSIONS` log of the
 *   plugin process (it records every check, including those the plugin catches and hides);
 * - NATS publish/subscribe violations, from the nats-server log (the server names the user's
 *   Nkey; the plugin cannot suppress or forge these lines);
 * - refusals before launch (module graph, symlinks) and resource-limit exits, from the
 *   supervisor.
 */
import {
  errorText,
  type EventBus,
  type Logger,
  type SecurityViolation,
  SecurityViolationSchema,
  subjects,
} from "@quicksilver/core";

export type ViolationInput = Omit<SecurityViolation, "time">;
export type ViolationListener = (violation: SecurityViolation) => void;

/** Publishes and logs violations; listeners (supervisors, tests) see each one. */
export class ViolationReporter {
  readonly #bus: EventBus;
  readonly #log: Logger;
  readonly #listeners = new Set<ViolationListener>();

  constructor(bus: EventBus, log: Logger) {
    this.#bus = bus;
    this.#log = log;
  }

  onViolation(listener: ViolationListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  report(input: ViolationInput): SecurityViolation {
    const violation = SecurityViolationSchema.parse({
      ...input,
      detail: input.detail.slice(0, 2000),
      time: Date.now(),
    });
    this.#log.warn("security violation", { ...violation });
    try {
      this.#bus.publish(subjects.securityViolation(), violation);
    } catch (error) {
      this.#log.error("violation not published", { error: errorText(error) });
    }
    for (const listener of this.#listeners) {
      try {
        listener(violation);
      } catch (error) {
        this.#log.error("violation listener failed", { error: errorText(error) });
      }
    }
    return violation;
  }
}

/** One line of Deno's permission audit log. */
export interface AuditEntry {
  permission: string;
  value: string | null;
}

/** What the plugin may do (granted) and what it declared it needs (its `extras`). */
export interface AuditGrants {
  /** Its data dir (absolute): the only files it may read and write. */
  dataDir: string;
  /** Granted `--allow-net` entries: `host:port`, or a bare `host` for every port. */
  net: readonly string[];
  /** The operator's `plugins.<name>.grants.net` (for the key a `needs-grant` names). */
  operatorNet?: readonly string[];
  /** Hosts its definition declares in `extras.net` (`"*"`: any host the operator grants). */
  declaredNet?: readonly string[];
}

/**
 * What an audited check outside the grants is. `needs-grant`: a host the plugin declared and the
 * operator has not granted, a configuration state (`grantKey` names the rosey.yaml key), not an
 * attack; anything else is a violation.
 */
export type AuditFinding =
  | {
    kind: "needs-grant";
    detail: string;
    grantKey: string;
    /**
     * The declaration it falls under (`host:port`, or `"*"`): one report per declaration, so a
     * plugin declaring any host cannot turn probing a thousand hosts into a thousand reports.
     */
    declared: string;
  }
  | { kind: string; detail: string };

/**
 * Whether an audited permission check was outside the plugin's grants, and if so what to call
 * it. Paths are relative to the data dir (the plugin's cwd) unless absolute. The detail is
 * normalised (`fetch` is audited twice, once with the URL and once with `host:port`: both give
 * `net host:port`), so callers can report one denial once.
 */
export function auditViolation(
  entry: AuditEntry,
  grants: AuditGrants,
  plugin = "<name>",
): AuditFinding | null {
  const value = entry.value ?? "";
  switch (entry.permission) {
    case "read":
    case "write": {
      // No path: an unscoped check (creating symlinks needs read+write on everything).
      if (entry.value === null) {
        return {
          kind: `deno-${entry.permission}`,
          detail: `${entry.permission} of all files (unscoped)`,
        };
      }
      // A placeholder such as `<TMP>` (Deno.makeTempDir without a dir) or `<CWD>`: never the
      // data dir itself, so never granted (the plugin must pass `{ dir: "." }`).
      if (/^<[A-Z_]+>$/.test(value)) {
        return { kind: `deno-${entry.permission}`, detail: `${entry.permission} ${value}` };
      }
      const path = normalizePath(value.startsWith("/") ? value : `${grants.dataDir}/${value}`);
      if (path === grants.dataDir || path.startsWith(`${grants.dataDir}/`)) return null;
      return { kind: `deno-${entry.permission}`, detail: `${entry.permission} ${value}` };
    }
    case "net": {
      // Host names are case-insensitive (RFC 4343): `fetch` audits the URL's lower-cased host,
      // a socket the name as written, a manifest or rosey.yaml whatever its author typed.
      const target = netTarget(value).toLowerCase();
      const host = hostOf(target);
      if (grants.net.some((g) => [target, host].includes(g.toLowerCase()))) return null;
      const declared = (grants.declaredNet ?? []).map((d) => d.toLowerCase());
      const under = [target, host, "*"].find((d) => declared.includes(d));
      if (under !== undefined) {
        return {
          kind: "needs-grant",
          declared: under,
          detail: `net ${target}`,
          grantKey: `plugins.${plugin}.grants.net: ${
            // A bare host in rosey.yaml means port 443: name the port when it is another one.
            JSON.stringify([
              ...(grants.operatorNet ?? []),
              target.endsWith(":443") ? host : target,
            ])}`,
        };
      }
      return { kind: "deno-net", detail: `net ${target}` };
    }
    default:
      return { kind: `deno-${entry.permission}`, detail: `${entry.permission} ${value}`.trim() };
  }
}

/** `host` of `host:port` (`[v6]:port` keeps its brackets). */
function hostOf(target: string): string {
  const match = /^(\[[^\]]+\]|[^:]+):\d+$/.exec(target);
  return match?.[1] ?? target;
}

/**
 * `fetch` is audited with the whole URL (`http://127.0.0.1:8080/v1/search?...`), sockets with
 * `host:port`: grants are `host:port`, so compare on that (the URL's default port if none).
 */
function netTarget(value: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
  try {
    const url = new URL(value);
    const port = url.port ||
      ({ "https:": "443", "wss:": "443", "http:": "80", "ws:": "80" } as Record<string, string>)[
        url.protocol
      ];
    return port ? `${url.hostname}:${port}` : url.hostname;
  } catch {
    return value;
  }
}

function normalizePath(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
}

/** A NATS violation as nats-server logs it. */
export interface ServerViolation {
  kind: "nats-publish" | "nats-subscribe" | "nats-max-subscriptions" | "nats-max-payload";
  /** The user's public key (JWT users are logged by Nkey), when the line names it. */
  user?: string;
  /** The connection id, for lines that name only the connection (limits). */
  cid?: number;
  detail: string;
}

const VIOLATION =
  /(Publish|Subscription) Violation - (?:JWT )?(?:User|Nkey) "([^"]+)"(?:, Subject "([^"]*)")?/;
const USER_KEY = /\b(U[A-Z2-7]{55})\b/;

/** Parses one nats-server log line; null when it is not a violation. */
export function parseServerViolation(line: string): ServerViolation | null {
  const match = VIOLATION.exec(line);
  if (match) {
    return {
      kind: match[1] === "Publish" ? "nats-publish" : "nats-subscribe",
      user: match[2] ?? "",
      detail: `${match[1] === "Publish" ? "publish to" : "subscribe to"} ${match[3] ?? "?"}`,
    };
  }
  // Limit lines name the connection, not the user: `cid:7 - "<client name>" - maximum ...`.
  const cid = Number(/\bcid:(\d+)/.exec(line)?.[1] ?? NaN);
  const user = USER_KEY.exec(line)?.[1];
  const who = { ...(user ? { user } : {}), ...(Number.isFinite(cid) ? { cid } : {}) };
  if (/maximum subscriptions/i.test(line)) {
    return { kind: "nats-max-subscriptions", ...who, detail: "subscription limit exceeded" };
  }
  const payload = /maximum payload exceeded:?\s*(\d+ vs \d+)?/i.exec(line);
  if (payload) {
    return {
      kind: "nats-max-payload",
      ...who,
      detail: `message larger than its payload limit (${payload[1] ?? "?"} bytes)`,
    };
  }
  return null;
}

/** A connection nats-server refused at CONNECT: `127.0.0.1:56770 - cid:4 - "x" - authentication error`. */
export interface RefusedConnection {
  host: string;
  /** The client's port: its socket's local port. */
  port: number;
  cid: number;
  reason: string;
}

const REFUSED =
  /\] (\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:]+\]):(\d+) - cid:(\d+) - .*\b(authentication error|Authorization Violation)/i;

/** Parses one nats-server log line; null when it is not a refused connection. */
export function parseRefusedConnection(line: string): RefusedConnection | null {
  const match = REFUSED.exec(line);
  if (!match) return null;
  return {
    host: match[1]!,
    port: Number(match[2]),
    cid: Number(match[3]),
    reason: match[4]!.toLowerCase(),
  };
}

/**
 * Follows a growing text file (log, audit log) by polling: calls `onLine` for each new full
 * line. Starts at the current end unless `fromStart`. Survives the file being truncated or not
 * existing yet.
 */
export class FileFollower {
  readonly #path: string;
  readonly #onLine: (line: string) => void;
  readonly #intervalMs: number;
  #offset = 0;
  #partial = "";
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #running: Promise<void> = Promise.resolve();

  constructor(path: string, onLine: (line: string) => void, options: { intervalMs?: number } = {}) {
    this.#path = path;
    this.#onLine = onLine;
    this.#intervalMs = options.intervalMs ?? 200;
  }

  async start(options: { fromStart?: boolean } = {}): Promise<void> {
    if (!options.fromStart) {
      this.#offset = await Deno.stat(this.#path).then((s) => s.size, () => 0);
    }
    this.#schedule();
  }

  /** Reads whatever was appended since the last poll. */
  poll(): Promise<void> {
    this.#running = this.#running.then(() => this.#read());
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    await this.#read();
  }

  #schedule() {
    if (this.#stopped) return;
    this.#timer = setTimeout(
      () => void this.poll().finally(() => this.#schedule()),
      this.#intervalMs,
    );
  }

  async #read(): Promise<void> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(this.#path, { read: true });
    } catch {
      return;
    }
    try {
      const size = (await file.stat()).size;
      if (size < this.#offset) this.#offset = 0; // truncated: a new launch
      if (size === this.#offset) return;
      await file.seek(this.#offset, Deno.SeekMode.Start);
      const buffer = new Uint8Array(Math.min(size - this.#offset, 4 * 1024 * 1024));
      let read = 0;
      while (read < buffer.length) {
        const n = await file.read(buffer.subarray(read));
        if (n === null) break;
        read += n;
      }
      this.#offset += read;
      const text = this.#partial + new TextDecoder().decode(buffer.subarray(0, read));
      const lines = text.split("\n");
      this.#partial = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) this.#onLine(line);
    } finally {
      file.close();
    }
  }
}
