/**
 * Typed errors of the CyTube connector. Each says what happened, where (URL, channel, user)
 * and what to do about it, so a log line or a chat reply is enough to fix the cause.
 *
 * @module
 */

/** Base class: `instanceof CytubeError` catches every error this connector raises. */
export class CytubeError extends Error {
  /** A stable, machine-readable code; errors cross the bus as `{code, message}`. */
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CytubeError";
    this.code = code;
  }
}

/** The channel name does not match CyTube's `/^[\w-]{1,30}$/`, so the server would reject it. */
export class InvalidChannelNameError extends CytubeError {
  readonly channel: string;
  constructor(channel: string, options?: ErrorOptions) {
    super(
      "INVALID_CHANNEL_NAME",
      `CyTube channel name ${JSON.stringify(channel)} is invalid: a name is 1-30 characters ` +
        `of letters, digits, "_" and "-"; write e.g. "my_channel"`,
      options,
    );
    this.name = "InvalidChannelNameError";
    this.channel = channel;
  }
}

/** `GET /socketconfig/<channel>.json` failed or returned something unusable. */
export class SocketConfigError extends CytubeError {
  readonly url: string;
  constructor(url: string, detail: string, options?: ErrorOptions) {
    super(
      "SOCKET_CONFIG",
      `CyTube server discovery GET ${url} failed: ${detail}; check the CyTube base URL ` +
        `(e.g. "https://cytu.be") and that the channel exists`,
      options,
    );
    this.name = "SocketConfigError";
    this.url = url;
  }
}

/** The channel asked for a password and the configured one was missing or wrong. */
export class WrongChannelPasswordError extends CytubeError {
  readonly channel: string;
  readonly passwordGiven: boolean;
  constructor(channel: string, passwordGiven: boolean, options?: ErrorOptions) {
    super(
      "WRONG_CHANNEL_PASSWORD",
      passwordGiven
        ? `CyTube channel "${channel}" rejected the configured channel password; set the ` +
          `current one as connectors.cytube.channelPassword in rosey.yaml`
        : `CyTube channel "${channel}" is password-protected; set its password as ` +
          `connectors.cytube.channelPassword in rosey.yaml (or log the bot in as a moderator, ` +
          `rank >= 2, with connectors.cytube.user)`,
      options,
    );
    this.name = "WrongChannelPasswordError";
    this.channel = channel;
    this.passwordGiven = passwordGiven;
  }
}

/** The server refused our `login` (bad password, invalid or registered guest name, ...). */
export class LoginFailedError extends CytubeError {
  readonly user: string;
  readonly serverMessage: string;
  /**
   * `guest`: the refusal of a guest login (no password), so the fix is about the guest
   * name; otherwise an account login, whose fix is the account's name and password.
   */
  constructor(user: string, serverMessage: string, guest: boolean, options?: ErrorOptions) {
    // The server's sentences end in "." ("That username is registered."): ours follows.
    const said = serverMessage.trim().replace(/[.;!\s]+$/, "");
    super(
      "LOGIN_FAILED",
      `CyTube login as "${user}" failed: ${said}; ` +
        (guest
          ? `a guest name must be 1-20 letters, digits, "_" or "-" and not a registered ` +
            `account: change connectors.cytube.user.name, or set the account's password as ` +
            `connectors.cytube.user.password`
          : `check connectors.cytube.user.name and connectors.cytube.user.password`),
      options,
    );
    this.name = "LoginFailedError";
    this.user = user;
    this.serverMessage = serverMessage;
  }
}

/**
 * The server kicked us. `final` (a moderator's kick, a ban, a duplicate login): the client
 * stays out until restarted. Otherwise (the server could not load the channel, it restarts,
 * a rate limit) it rejoins after the backoff. See `kick_reasons.ts` for the classification.
 */
export class KickedError extends CytubeError {
  readonly channel: string;
  readonly reason: string;
  readonly final: boolean;
  constructor(
    channel: string,
    reason: string,
    kick: { final: boolean; why: string },
    options?: ErrorOptions,
  ) {
    super(
      "KICKED",
      `kicked from CyTube channel "${channel}": ${reason || "(no reason given)"}; ${kick.why}` +
        (kick.final ? "; the bot stays out of the channel until it is restarted" : ""),
      options,
    );
    this.name = "KickedError";
    this.channel = channel;
    this.reason = reason;
    this.final = kick.final;
  }
}

/** The socket could not be (re)connected; the client keeps retrying with backoff. */
export class ConnectionError extends CytubeError {
  readonly url: string;
  constructor(url: string, detail: string, options?: ErrorOptions) {
    super(
      "CONNECTION",
      `CyTube socket ${url}: ${detail}; the client retries with backoff`,
      options,
    );
    this.name = "ConnectionError";
    this.url = url;
  }
}

/** A server frame did not match its schema; it was counted and skipped. */
export class MalformedFrameError extends CytubeError {
  readonly event: string;
  readonly issues: string;
  constructor(event: string, issues: string, options?: ErrorOptions) {
    super(
      "MALFORMED_FRAME",
      `CyTube sent a malformed "${event}" frame (${issues}); it was skipped`,
      options,
    );
    this.name = "MalformedFrameError";
    this.event = event;
    this.issues = issues;
  }
}

/** An operation on a client or queue that was already closed. */
export class ClosedError extends CytubeError {
  constructor(what: string, options?: ErrorOptions) {
    super("CLOSED", `${what} is closed; create a new one`, options);
    this.name = "ClosedError";
  }
}
