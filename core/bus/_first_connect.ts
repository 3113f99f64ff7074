/**
 * The first connect, with a retry loop of our own instead of nats.js's `waitOnFirstConnect`.
 * That loop cannot be cancelled: a connect that gave up after `connectTimeoutMs` went on
 * dialling forever and kept the process alive (measured: a script whose connect timed out never
 * exited). Here each attempt is a single dial, so giving up leaves nothing behind.
 */
import {
  AuthorizationError,
  connect,
  type ConnectionOptions,
  type NatsConnection,
  UserAuthenticationExpiredError,
} from "@nats-io/transport-node";
import type { Logger } from "../log/mod.ts";
import { BusConnectError } from "./errors.ts";

export interface FirstConnectPolicy {
  /** Keep trying while the server is unreachable (else fail on the first refusal). */
  wait: boolean;
  /** Give up after this many ms; default never. */
  timeoutMs?: number | undefined;
  /** Pause between attempts. */
  retryMs: number;
  log: Logger;
}

/**
 * nats.js's per-dial timeout. An attempt waits at most what is left of `timeoutMs`, but never
 * less than a second: the same option governs every later reconnect dial of the connection,
 * and a tiny connect deadline must not make those fail on a busy machine.
 */
const DIAL_TIMEOUT_MS = 20_000;
const MIN_DIAL_TIMEOUT_MS = 1000;

export async function firstConnect(
  options: ConnectionOptions,
  policy: FirstConnectPolicy,
): Promise<NatsConnection> {
  const started = Date.now();
  const deadline = policy.timeoutMs === undefined ? Infinity : started + policy.timeoutMs;
  const where = `${options.servers} as "${options.name}"`;
  for (let attempt = 1;; attempt++) {
    const left = deadline - Date.now();
    try {
      return await connect({
        ...options,
        waitOnFirstConnect: false,
        timeout: Math.max(MIN_DIAL_TIMEOUT_MS, Math.min(DIAL_TIMEOUT_MS, left)),
      });
    } catch (error) {
      if (error instanceof AuthorizationError || error instanceof UserAuthenticationExpiredError) {
        throw new BusConnectError(
          "refused",
          `NATS at ${where} refused the connection (${error.message}): the credentials are ` +
            `missing, expired, revoked or from another installation; mint fresh ones from this ` +
            `server's authority`,
          { cause: error },
        );
      }
      const remaining = deadline - Date.now();
      if (!policy.wait || remaining <= 0) {
        const within = policy.wait ? ` within ${policy.timeoutMs} ms` : "";
        throw new BusConnectError(
          "unreachable",
          `cannot connect to NATS at ${where}${within} (${describe(error)}); is nats-server ` +
            `running there? (\`deno task nats\` or \`deno task dev\` start it)`,
          { cause: error },
        );
      }
      if (attempt === 1) {
        policy.log.warn("NATS not reachable yet; retrying", {
          servers: String(options.servers),
          error: describe(error),
        });
      }
      await delay(Math.min(policy.retryMs, remaining));
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
