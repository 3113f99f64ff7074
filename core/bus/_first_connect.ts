/**
 * The first connect of either NATS client, with a retry loop of our own instead of nats.js's
 * `waitOnFirstConnect`. That loop cannot be cancelled: a connect that gave up after
 * `connectTimeoutMs` went on dialling forever and kept the process alive (measured: a script whose
 * connect timed out never exited). Here each attempt is a single dial, so giving up leaves
 * nothing behind. The errors say the same thing whichever client dials.
 */
import type { Logger } from "../log/mod.ts";
import { BusConnectError, errorText } from "./errors.ts";

export interface FirstConnectPolicy {
  /** Keep trying while the server is unreachable (else fail on the first refusal). */
  wait: boolean;
  /** Give up after this many ms; default never. */
  timeoutMs?: number | undefined;
  /** Pause between attempts. */
  retryMs: number;
  log: Logger;
}

export interface FirstConnectDialer<T> {
  /** `host:port[,…] as "name"`, for messages. */
  where: string;
  /** One attempt; `remainingMs` is what is left of the policy's timeout (Infinity: none). */
  dial(remainingMs: number): Promise<T>;
  /**
   * The message of a {@linkcode BusConnectError} `refused` when `error` means retrying cannot
   * help (see {@linkcode credentialsRefused}); undefined for "not reachable yet".
   */
  refusal(error: unknown): string | undefined;
}

/** The refusal text for rejected credentials. */
export function credentialsRefused(where: string, detail: string): string {
  return `NATS at ${where} refused the connection (${detail}): the credentials are missing, ` +
    `expired, revoked or from another installation; mint fresh ones from this server's authority`;
}

/** Dials until connected, refused, or out of time (see the module doc). */
export async function firstConnect<T>(
  dialer: FirstConnectDialer<T>,
  policy: FirstConnectPolicy,
): Promise<T> {
  const deadline = policy.timeoutMs === undefined ? Infinity : Date.now() + policy.timeoutMs;
  for (let attempt = 1;; attempt++) {
    try {
      return await dialer.dial(deadline - Date.now());
    } catch (error) {
      const refused = dialer.refusal(error);
      if (refused !== undefined) throw new BusConnectError("refused", refused, { cause: error });
      const remaining = deadline - Date.now();
      if (!policy.wait || remaining <= 0) {
        const within = policy.wait ? ` within ${policy.timeoutMs} ms` : "";
        throw new BusConnectError(
          "unreachable",
          `cannot connect to NATS at ${dialer.where}${within} (${errorText(error)}); is ` +
            `nats-server running there? (\`deno task nats\` or \`deno task dev\` start it)`,
          { cause: error },
        );
      }
      if (attempt === 1) {
        policy.log.warn("NATS not reachable yet; retrying", {
          servers: dialer.where,
          error: errorText(error),
        });
      }
      await delay(Math.min(policy.retryMs, remaining));
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
