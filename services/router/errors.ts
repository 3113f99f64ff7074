/** The router was given options it cannot work with; the message names the option and a fix. */
export class RouterOptionsError extends Error {
  override name = "RouterOptionsError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
