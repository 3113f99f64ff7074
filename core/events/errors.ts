/**
 * An event failed validation. `field` names the first offending path (`payload.user.name`),
 * so a connector author sees what to fix without reading a zod dump.
 */
export class EventDecodeError extends Error {
  override name = "EventDecodeError";
  readonly field: string;
  readonly issues: readonly { path: string; message: string }[];
  constructor(
    message: string,
    details: { field: string; issues: { path: string; message: string }[] },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.field = details.field;
    this.issues = details.issues;
  }
}
