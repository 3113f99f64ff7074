/**
 * The configuration cannot be used. The message always says the file, the key path and a fix:
 * `rosey.yaml: plugins.weather.grants.net[0]: "api" is not a host name; write e.g.
 * "api.open-meteo.com"`.
 */
export class ConfigError extends Error {
  override name = "ConfigError";
  /** The file it came from (or `(defaults)`). */
  readonly file: string;
  /** The key path, `bot.commandPrefix`; empty for the whole file. */
  readonly key: string;
  constructor(file: string, key: string, problem: string, options?: ErrorOptions) {
    super(`${file}: ${key ? `${key}: ` : ""}${problem}`, options);
    this.file = file;
    this.key = key;
  }
}
