/** Errors of the stats service. */

/** The state file is unreadable: the message names it and says how to recover. */
export class StatsStateError extends Error {
  override name = "StatsStateError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
