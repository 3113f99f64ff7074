/** A plugin's credentials could not be derived, minted or revoked; the message says how to fix it. */
export class PluginCredentialsError extends Error {
  override name = "PluginCredentialsError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
