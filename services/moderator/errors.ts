/** Errors of the moderator shell. Their messages are shown to the moderator as `Error: …`. */

/** A media link the shell cannot turn into a queue request. */
export class MediaLinkError extends Error {
  override name = "MediaLinkError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * A command that could not be carried out: bad position, unknown user, a refusal by the
 * connector, no answer from it. The message says what and what to do; it goes back by PM.
 */
export class ModeratorCommandError extends Error {
  override name = "ModeratorCommandError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
