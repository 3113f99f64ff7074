/** Errors of `deno task plugins install|update|remove|sign`. Each says what to do. */

/** Why an install or update did not happen, as a stable code for scripts and tests. */
export const INSTALL_REFUSALS = [
  /** The file's SHA-256 is not the one its index or signature file lists. Never overridable. */
  "tampered",
  /** No valid signature by a trusted publisher, and no `--unsigned`. */
  "unsigned",
  /** A command word another plugin holds, and `router.commandOwners` names no owner. */
  "collision",
  /** The operator did not approve (answered no, or `--yes` without the grants in config). */
  "not-approved",
  /** The plugin itself is not acceptable (`plugins check` refuses it, or it asks beyond its index entry). */
  "refused",
  /** The source could not be found or read. */
  "source",
  /** The running bot could not start it (it was rolled back or not installed). */
  "failed-start",
] as const;
export type InstallRefusal = typeof INSTALL_REFUSALS[number];

export class InstallError extends Error {
  override name = "InstallError";
  readonly code: InstallRefusal;
  constructor(code: InstallRefusal, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
