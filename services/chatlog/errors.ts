/** Errors of the chat log service. */

/** The cursor file is unreadable: the message names it and says how to recover. */
export class ChatLogStateError extends Error {
  override name = "ChatLogStateError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
