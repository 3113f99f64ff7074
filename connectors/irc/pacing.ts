/**
 * Flood pacing for one IRC connection: lines wait in lanes (one per plugin and user, served in
 * turn, so one user's burst never holds another user's answer behind it) and leave no faster
 * than the server allows.
 *
 * Two limit models:
 * - a leaky bucket (`burst`, `perSecond`): InspIRCd adds each command's penalty (1000 per
 *   command) to the user and drains `commandrate` (1000/s by default) once a second; at
 *   `penaltythreshold` (20 s by default) it stops reading the user ("fakelag"), or disconnects
 *   with "Excess Flood" if fakelag is off (src/usermanager.cpp `DoBackgroundUserStuff`,
 *   src/users.cpp `LocalUserIO::OnDataReady`). ngIRCd delays a client past its command
 *   budget too. The default (`burst` 5, 1/s) stays far below both.
 * - a window (`count` per `windowMs`): Twitch's documented chat limits, 20 messages per 30 s
 *   as a user and 100 per 30 s where the bot is a moderator or the broadcaster.
 *
 * @module
 */

import type { IrcPacing } from "./config_schema.ts";

/** Default for plain IRC servers: 5 at once, then one a second. */
export const DEFAULT_IRC_PACING: IrcPacing = { burst: 5, perSecond: 1 };
/** Twitch as a plain user: 20 per 30 s (dev.twitch.tv/docs/chat#rate-limits). */
export const TWITCH_USER_PACING: IrcPacing = { count: 20, windowMs: 30_000 };
/** Twitch where the bot is moderator, VIP or broadcaster: 100 per 30 s. */
export const TWITCH_MODERATOR_PACING: IrcPacing = { count: 100, windowMs: 30_000 };

/** When the next line may leave, for one limit model; `spend` records that one left. */
export interface SendLimiter {
  /** Milliseconds until a line of this cost may be sent (0: now). */
  wait(now: number, cost?: number): number;
  spend(now: number, cost?: number): void;
}

/** A limiter for a pacing setting. */
export function createLimiter(pacing: IrcPacing): SendLimiter {
  return "burst" in pacing ? new BucketLimiter(pacing) : new WindowLimiter(pacing);
}

class BucketLimiter implements SendLimiter {
  #level = 0;
  #at = 0;
  constructor(readonly pacing: { burst: number; perSecond: number }) {}
  #drain(now: number) {
    this.#level = Math.max(0, this.#level - ((now - this.#at) / 1000) * this.pacing.perSecond);
    this.#at = now;
  }
  wait(now: number, cost = 1): number {
    this.#drain(now);
    const over = this.#level + Math.min(cost, this.pacing.burst) - this.pacing.burst;
    return over <= 0 ? 0 : Math.ceil((over / this.pacing.perSecond) * 1000);
  }
  spend(now: number, cost = 1): void {
    this.#drain(now);
    this.#level += cost;
  }
}

class WindowLimiter implements SendLimiter {
  readonly #sent: number[] = [];
  constructor(readonly pacing: { count: number; windowMs: number }) {}
  wait(now: number, _cost = 1): number {
    while (this.#sent.length && this.#sent[0]! <= now - this.pacing.windowMs) this.#sent.shift();
    if (this.#sent.length < this.pacing.count) return 0;
    return this.#sent[0]! + this.pacing.windowMs - now + 1;
  }
  spend(now: number, _cost = 1): void {
    this.#sent.push(now);
  }
}

/** One line to send and what to do once it left (or was dropped). */
export interface PacedLine {
  line: string;
  /**
   * What the server charges for it, in lines: 1 for a message; a NICK change costs InspIRCd
   * 4 s of penalty (coremods/core_user/cmd_nick.cpp), so 4.
   */
  cost?: number;
  sent?: () => void;
  dropped?: (why: string) => void;
}

export interface PacingQueueOptions {
  pacing: IrcPacing;
  /** Writes one raw line to the server. */
  write: (line: string) => void;
  /** Most lines waiting per lane; more are dropped (and reported). Default 200. */
  maxPerLane?: number;
  now?: () => number;
}

/** Fair, rate-limited queue of outgoing lines for one connection. */
export class PacingQueue {
  readonly #write: (line: string) => void;
  readonly #maxPerLane: number;
  readonly #now: () => number;
  readonly #lanes = new Map<string, PacedLine[]>();
  readonly #recent: { at: number; cost: number }[] = [];
  #limiter: SendLimiter;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #paused = true;
  #closed = false;

  constructor(options: PacingQueueOptions) {
    this.#limiter = createLimiter(options.pacing);
    this.#write = options.write;
    this.#maxPerLane = options.maxPerLane ?? 200;
    this.#now = options.now ?? Date.now;
  }

  /** Lines waiting in all lanes. */
  get size(): number {
    let n = 0;
    for (const lane of this.#lanes.values()) n += lane.length;
    return n;
  }

  /**
   * Replaces the limit (Twitch: the bot became moderator, or stopped being one). What was
   * sent recently still counts against the new limit: Twitch's 100 per 30 s includes the
   * lines sent as a user a moment before.
   */
  setPacing(pacing: IrcPacing): void {
    this.#limiter = createLimiter(pacing);
    for (const { at, cost } of this.#recent) this.#limiter.spend(at, cost);
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#schedule();
  }

  #record(at: number, cost: number) {
    this.#recent.push({ at, cost });
    // Enough history for any window a server documents (Twitch's is 30 s).
    while (this.#recent.length > 2000 || (this.#recent[0]?.at ?? at) < at - 300_000) {
      this.#recent.shift();
    }
  }

  /** Queues lines in `lane`; they leave in order, lanes in turn. */
  push(lane: string, lines: PacedLine[]): void {
    if (this.#closed) {
      for (const line of lines) line.dropped?.("closed");
      return;
    }
    const queue = this.#lanes.get(lane) ?? [];
    for (const line of lines) {
      if (queue.length >= this.#maxPerLane) line.dropped?.("queue full");
      else queue.push(line);
    }
    // Re-inserting puts a lane that was empty at the back of the turn order.
    if (!this.#lanes.has(lane) && queue.length) this.#lanes.set(lane, queue);
    this.#schedule();
  }

  /** Stops sending (disconnected); lines wait. */
  pause(): void {
    this.#paused = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Starts sending (registered). */
  resume(): void {
    this.#paused = false;
    this.#schedule();
  }

  /** Drops everything waiting. */
  close(): void {
    this.#closed = true;
    this.pause();
    for (const lane of this.#lanes.values()) for (const line of lane) line.dropped?.("closed");
    this.#lanes.clear();
  }

  #schedule(): void {
    if (this.#paused || this.#timer !== undefined || this.#lanes.size === 0) return;
    const wait = this.#limiter.wait(this.#now(), this.#next()?.cost);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#sendOne();
      this.#schedule();
    }, wait);
  }

  #next(): PacedLine | undefined {
    const first = this.#lanes.values().next().value;
    return first?.[0];
  }

  #sendOne(): void {
    if (this.#paused) return;
    const now = this.#now();
    if (this.#limiter.wait(now, this.#next()?.cost) > 0) return;
    const [lane, queue] = this.#lanes.entries().next().value ?? [];
    if (lane === undefined || queue === undefined) return;
    const item = queue.shift();
    this.#lanes.delete(lane);
    if (queue.length) this.#lanes.set(lane, queue); // to the back: the next lane's turn
    if (!item) return;
    this.#limiter.spend(now, item.cost);
    this.#record(now, item.cost ?? 1);
    try {
      this.#write(item.line);
      item.sent?.();
    } catch (error) {
      item.dropped?.(String(error));
    }
  }
}
