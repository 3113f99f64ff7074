/**
 * Errors a plugin author throws or meets. A command handler throws {@linkcode UsageError} for
 * bad input: the caller sees the message (it must be safe for chat). Anything else thrown is
 * logged and the caller sees "internal error": never a stack trace in chat.
 */

/** The caller typed something the command cannot use; the message is shown to them. */
export class UsageError extends Error {
  override name = "UsageError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A plugin definition is malformed; says which field and how to fix it. */
export class PluginDefinitionError extends Error {
  override name = "PluginDefinitionError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Storage could not be read or written (bad key, value too large, disk error). */
export class StorageError extends Error {
  override name = "StorageError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The plugin used an extra (a subject, a host) that the operator did not grant; says which. */
export class NotGrantedError extends Error {
  override name = "NotGrantedError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A write was refused because the plugin's storage is full (its bucket's `max_bytes`, enforced
 * by the NATS server) or the value is larger than one value may be (`max_msg_size`). Delete
 * keys you no longer need, or keep large data in files in the data dir.
 */
export class StorageQuotaError extends StorageError {
  override name = "StorageQuotaError";
  /** `full`: the bucket is at its byte quota; `value-too-large`: this one value is too big. */
  readonly reason: "full" | "value-too-large";
  constructor(reason: "full" | "value-too-large", message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}
