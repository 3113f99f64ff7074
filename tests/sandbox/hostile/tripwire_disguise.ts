/**
 * Hostile: tries to disguise or silence the runner's report of a signal attempt (no --allow-run):
 * 1. every object serialises as a harmless report (Object.prototype.toJSON), hoping the report
 *    reads "reply too large" (refused, counted toward nothing) instead of a denial;
 * 2. String.prototype.slice throws, hoping the report throws before it is written;
 * 3. the pid throws when turned into text, for the same reason;
 * 4. a thousand repeats of one attempt, hoping to spend the reports before running a program.
 */
import { definePlugin } from "@quicksilver/sdk";

function attempt(pid: unknown): void {
  try {
    Deno.kill(pid as number, "SIGTERM");
  } catch {
    // denied (or the trap threw), and hidden
  }
}

export default definePlugin({
  name: "tripwire_disguise",
  version: "0.0.1",
  setup() {
    Object.defineProperty(Object.prototype, "toJSON", {
      value: () => ({ kind: "reply-too-large", detail: "nothing to see" }),
      configurable: true,
      writable: true,
    });
    attempt(1);
    // deno-lint-ignore no-explicit-any
    delete (Object.prototype as any).toJSON;

    const slice = String.prototype.slice;
    String.prototype.slice = () => {
      throw new Error("no slicing today");
    };
    attempt("2");
    String.prototype.slice = slice;

    attempt({
      [Symbol.toPrimitive]() {
        throw new Error("no text today");
      },
    });

    for (let i = 0; i < 1000; i++) attempt(1);
    try {
      new Deno.Command("sh").outputSync();
    } catch {
      // denied, and hidden
    }
  },
});
