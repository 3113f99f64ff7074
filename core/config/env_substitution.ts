/**
 * `${NAME}` in any string value of the config is replaced by the environment variable NAME, so
 * secrets (a platform password) stay out of the file. `${NAME:-fallback}` gives a default, `$${`
 * writes a literal `${`. A missing variable is an error naming the key and the variable:
 * silently joining as a guest because a password was empty would be worse.
 */
import { ConfigError } from "./errors.ts";

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{([^}]*)\}?/g;

/** Looks up an environment variable; `undefined` when it is not set. */
export type EnvLookup = (name: string) => string | undefined;

/** Reads the real environment; without `--allow-env` every variable counts as unset. */
export const processEnv: EnvLookup = (name) => {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
};

/** Replaces references in every string of `value` (deeply); `file` is for error messages. */
export function substituteEnv(value: unknown, env: EnvLookup, file: string, path = ""): unknown {
  if (typeof value === "string") return substituteString(value, env, file, path);
  if (Array.isArray(value)) {
    return value.map((item, i) => substituteEnv(item, env, file, `${path}[${i}]`));
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map((
        [key, item],
      ) => [key, substituteEnv(item, env, file, path ? `${path}.${key}` : key)]),
    );
  }
  return value;
}

function substituteString(text: string, env: EnvLookup, file: string, path: string): string {
  return text.replace(REFERENCE, (match, name?: string, fallback?: string, bad?: string) => {
    if (match === "$${") return "${";
    if (name === undefined) {
      throw new ConfigError(
        file,
        path,
        `${JSON.stringify(match)} is not a usable variable reference; write \${NAME} with ` +
          `letters, digits and "_" (e.g. \${CHAT_PASSWORD}), or $\${ for a literal "\${"` +
          (bad === undefined ? "" : ""),
      );
    }
    const found = env(name);
    if (found !== undefined && found !== "") return found;
    if (fallback !== undefined) return fallback;
    throw new ConfigError(
      file,
      path,
      `environment variable ${name} is not set; set it (export ${name}=...) before starting, ` +
        `or write \${${name}:-default} to give a default`,
    );
  });
}
