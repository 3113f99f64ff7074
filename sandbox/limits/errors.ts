/**
 * Errors of the resource-limit layer. Each says what happened, where (key, cgroup path,
 * plugin) and what to do, and keeps the underlying OS error as `cause`.
 *
 * @module
 */

/** A `ResourceLimits` value did not validate; `key` names the offending field. */
export class ResourceLimitsError extends Error {
  override name = "ResourceLimitsError";
  /** Dotted path of the offending key, e.g. `plugins.trivia.limits.memoryMb`. */
  readonly key: string;
  /** One sentence saying how to fix it. */
  readonly fix: string;

  constructor(key: string, problem: string, fix: string, options?: ErrorOptions) {
    super(`${key}: ${problem}; ${fix}`, options);
    this.key = key;
    this.fix = fix;
  }
}

/** Creating, configuring, joining or removing a cgroup failed. */
export class CgroupError extends Error {
  override name = "CgroupError";
  /** The cgroup directory or interface file that failed. */
  readonly path: string;

  constructor(message: string, path: string, options?: ErrorOptions) {
    super(message, options);
    this.path = path;
  }
}

/** A cgroup could not be removed because tasks stayed in it past the deadline. */
export class CgroupBusyError extends CgroupError {
  override name = "CgroupBusyError";
}
