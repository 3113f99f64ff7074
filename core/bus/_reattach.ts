/**
 * What both ways of reading a stream share (the durable consumer with acks in
 * `durable_streams.ts`, the ack-less reader in `stream_reader.ts`): attach, serve until the
 * attachment ends, attach again after a back-off, and say so on the first failure and every 20th
 * (a server down for minutes is one warning a minute, not one per attempt).
 *
 * @module
 */

/** How one {@linkcode keepAttached} loop attaches and serves. */
export interface Attachment {
  /** Stops the loop (checked before each attach and after each end). */
  signal: AbortSignal;
  /** True once the connection is closed for good: the loop ends too. */
  isClosed(): boolean;
  /**
   * Attaches and serves until the attachment ends. Calls `attached()` once it is attached (the
   * failure count starts over); returns when it ended without fault, throws when interrupted.
   */
  serve(attached: () => void): Promise<void>;
  /** Milliseconds to wait before attaching again after `failures` failures in a row. */
  backoffMs(failures: number): number;
  /** Told of the first failure in a row and every 20th. */
  warn(error: Error): void;
}

/** Runs the attach-serve-wait loop of {@linkcode Attachment} until it is stopped or closed. */
export async function keepAttached(attachment: Attachment): Promise<void> {
  const { signal } = attachment;
  let failures = 0;
  while (!signal.aborted && !attachment.isClosed()) {
    try {
      await attachment.serve(() => (failures = 0));
      if (signal.aborted || attachment.isClosed()) break;
    } catch (error) {
      if (signal.aborted || attachment.isClosed()) break;
      failures++;
      if (failures === 1 || failures % 20 === 0) attachment.warn(error as Error);
    }
    await sleep(attachment.backoffMs(failures), signal).catch(() => {});
  }
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
