/**
 * Waiting for the platform's answer to what the bot sent. CyTube never acks a frame: it
 * answers with the effect (our chat echoed, a `queue` broadcast, `delete`, `moveVideo`,
 * `setCurrent`, a `userLeave` after `/kick`) or with a refusal (`errorMsg`, `queueFail`,
 * `noflood`, `spamFiltered`), and many refusals are silent. So each action names the frames
 * that settle it, and a deadline settles the silent ones as "not confirmed".
 *
 * @module
 */

import type { ServerFrame } from "./protocol.ts";

/** How one action ended on the platform. */
export type ActionOutcome =
  | { ok: true }
  | { ok: false; code: "refused" | "timeout" | "disconnected"; reason: string };

/** Looks at a frame: an outcome when it settles the action, undefined otherwise. */
export type OutcomeMatcher = (frame: ServerFrame) => ActionOutcome | undefined;

interface Pending {
  match: OutcomeMatcher;
  settle: (outcome: ActionOutcome) => void;
}

/** The refusal outcome for `reason`. */
export function refused(reason: string): ActionOutcome {
  return { ok: false, code: "refused", reason };
}

function timeout(what: string, timeoutMs: number): ActionOutcome {
  const seconds = Math.round(timeoutMs / 100) / 10;
  return {
    ok: false,
    code: "timeout",
    reason: `CyTube did not confirm ${what} within ${seconds} s`,
  };
}

/** Frame-settled waits with deadlines; every wait ends (frame, deadline, drop or close). */
export class OutcomeWaiters {
  readonly #pending = new Set<Pending>();

  /**
   * Starts a wait: `outcome` resolves with the first outcome `match` finds in a later frame,
   * or a timeout outcome after `timeoutMs` saying `what` was not confirmed; `settle` ends it
   * early (e.g. nothing could be sent).
   */
  wait(
    match: OutcomeMatcher,
    timeoutMs: number,
    what: string,
  ): { outcome: Promise<ActionOutcome>; settle: (outcome: ActionOutcome) => void } {
    let settle!: (outcome: ActionOutcome) => void;
    const outcome = new Promise<ActionOutcome>((resolve) => {
      const entry: Pending = {
        match,
        settle: (result) => {
          clearTimeout(timer);
          this.#pending.delete(entry);
          resolve(result);
        },
      };
      settle = entry.settle;
      const timer = setTimeout(() => entry.settle(timeout(what, timeoutMs)), timeoutMs);
      this.#pending.add(entry);
    });
    return { outcome, settle };
  }

  /** Offers a frame to every wait. */
  check(frame: ServerFrame): void {
    for (const entry of [...this.#pending]) {
      const outcome = entry.match(frame);
      if (outcome !== undefined) entry.settle(outcome);
    }
  }

  /** Ends every wait with a `disconnected` outcome (the socket dropped: nothing will come). */
  failAll(reason: string): void {
    for (const entry of [...this.#pending]) {
      entry.settle({ ok: false, code: "disconnected", reason });
    }
  }
}

/**
 * Per-message outcomes for the chat/PM queue: the client marks a message settled when the
 * server echoes it, refuses it, or the queue gives up on it. The deadline runs from each time
 * the message is actually sent, not from when it was queued: a reply waiting its turn behind
 * the flood limits is not late.
 */
export class MessageOutcomes<T extends object> {
  readonly #pending = new Map<T, {
    settle: (outcome: ActionOutcome) => void;
    arm: () => void;
  }>();

  /** Waits for `message`'s outcome, at most `timeoutMs` after it was (last) sent. */
  wait(message: T, timeoutMs: number, what: string): Promise<ActionOutcome> {
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (outcome: ActionOutcome) => {
        clearTimeout(timer);
        this.#pending.delete(message);
        resolve(outcome);
      };
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => settle(timeout(what, timeoutMs)), timeoutMs);
      };
      this.#pending.set(message, { settle, arm });
    });
  }

  /** `message` went out on the socket (again): its deadline starts now. */
  sent(message: T): void {
    this.#pending.get(message)?.arm();
  }

  /** Settles `message` (no-op for a message nobody waits on, or undefined). */
  settle(message: T | undefined, outcome: ActionOutcome): void {
    if (message === undefined) return;
    this.#pending.get(message)?.settle(outcome);
  }

  /** Ends every wait with `outcome`. */
  settleAll(outcome: ActionOutcome): void {
    for (const { settle } of [...this.#pending.values()]) settle(outcome);
  }
}
