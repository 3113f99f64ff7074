/**
 * Waiting on events with a deadline, never sleeping to pass: a test states what it expects
 * and how long that may take at most; it continues the moment the condition holds.
 */

/** Polls `condition` until it returns a truthy value or `timeoutMs` passes (then throws). */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${options.what ?? "a condition"}` +
          (lastError ? ` (last error: ${String(lastError)})` : ""),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
  }
}

/** A promise with its resolve/reject exposed, and a deadline. */
export function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Rejects with a clear message if `promise` does not settle in time. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Collects messages into an array as they arrive, for `waitFor(() => inbox.length >= n)`. */
export class Inbox<T> {
  readonly items: T[] = [];
  push = (item: T): void => {
    this.items.push(item);
  };
  get length(): number {
    return this.items.length;
  }
  async next(predicate: (item: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
    // Wrapped, so that a falsy item (0, "", false, null) still counts as found.
    const found = await waitFor(() => {
      const index = this.items.findIndex(predicate);
      return index >= 0 ? { item: this.items[index] as T } : undefined;
    }, { timeoutMs, what: "a matching message" });
    return found.item;
  }
}
