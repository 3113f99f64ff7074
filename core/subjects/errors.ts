/** A subject or subject pattern was built from data that cannot be a subject token. */
export class SubjectError extends Error {
  override name = "SubjectError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
