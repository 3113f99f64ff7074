/** Why a request failed, as a stable code callers can switch on. */
export const REQUEST_FAILURES = {
  timeout: "timeout",
  noResponders: "no-responders",
  permissionDenied: "permission-denied",
  closed: "closed",
  invalidReply: "invalid-reply",
  failed: "failed",
} as const;
export type RequestFailure = typeof REQUEST_FAILURES[keyof typeof REQUEST_FAILURES];

/** A request/reply that did not produce a valid reply. */
export class BusRequestError extends Error {
  override name = "BusRequestError";
  readonly code: RequestFailure;
  readonly subject: string;
  constructor(code: RequestFailure, subject: string, message: string, options?: ErrorOptions) {
    super(`request to ${subject} failed (${code}): ${message}`, options);
    this.code = code;
    this.subject = subject;
  }
}

/** The bus was used after `close()`/`drain()`. */
export class BusClosedError extends Error {
  override name = "BusClosedError";
  constructor(message = "the event bus is closed", options?: ErrorOptions) {
    super(message, options);
  }
}

/** The server refused an operation for lack of permission; the connection stays up. */
export class BusPermissionError extends Error {
  override name = "BusPermissionError";
  readonly operation: "publish" | "subscription";
  readonly subject: string;
  constructor(operation: "publish" | "subscription", subject: string, options?: ErrorOptions) {
    super(`permission denied: ${operation} to "${subject}"`, options);
    this.operation = operation;
    this.subject = subject;
  }
}

/**
 * The first connect failed: the server was not reachable in time, or it refused the
 * credentials. The message names the server, the client and what to do; `cause` is the
 * nats.js error.
 */
export class BusConnectError extends Error {
  override name = "BusConnectError";
  /** `refused`: the server rejected the credentials (retrying cannot help). */
  readonly reason: "unreachable" | "refused";
  constructor(reason: "unreachable" | "refused", message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/** A short, safe description of any thrown value. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
