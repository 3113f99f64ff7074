/** Something about NATS credentials is wrong: a corrupt authority file, a bad permission list. */
export class AuthError extends Error {
  override name = "AuthError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
