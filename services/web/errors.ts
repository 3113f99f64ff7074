/** Errors of the web service. Each says what happened and what to do. */

/**
 * The dashboard cannot listen: `web.listen` could not be bound (in use, not permitted, no such
 * address) or a `web.tls` file cannot be read. The message is one line naming the key and a fix.
 */
export class WebListenError extends Error {
  override name = "WebListenError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A state file under `.rosey/web/` is unreadable: the message names it and the way out. */
export class WebStateError extends Error {
  override name = "WebStateError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
