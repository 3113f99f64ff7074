/**
 * Secrets a plugin gets from the bot's environment. Plugins have no env permission (a plugin
 * could read every variable of the bot), so the operator names, in the plugin's config, which
 * variable holds which secret: a key `<secret>Env` whose value is a variable name
 * (`plugins.ai.config.apiKeyEnv: OPENAI_API_KEY`). The manager, which has the environment,
 * resolves it at each launch and hands the value over on stdin with the credentials; the plugin
 * reads it as `ctx.secrets.<secret>` (`ctx.secrets.apiKey`). The config, which `plugins check`,
 * the plugin table and logs may show, only ever holds the variable's name.
 */

/** `apiKeyEnv` -> `apiKey`: a lowerCamel key ending in `Env`. */
const SECRET_KEY = /^([a-z][A-Za-z0-9]{0,63})Env$/;
/** A POSIX-style variable name (what a shell `export` accepts). */
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** The longest secret the launch config carries (`secrets` in sandbox/runner/launch_config.ts). */
export const MAX_SECRET_CHARS = 16_384;

export interface ResolvedSecrets {
  /** Secret name -> value, for the launch config. */
  secrets: Record<string, string>;
  /** One sentence per secret that could not be resolved, naming the key and the fix. */
  problems: string[];
}

/**
 * Resolves a plugin's `<secret>Env` config keys against `env` (default: the manager's own
 * environment). A variable that is not set, or a value that is not a variable name, is a
 * problem (the plugin then runs without that secret and says so itself).
 */
export function resolvePluginSecrets(
  plugin: string,
  config: Readonly<Record<string, unknown>>,
  env: (variable: string) => string | undefined = (variable) => Deno.env.get(variable),
): ResolvedSecrets {
  const secrets: Record<string, string> = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    const secret = SECRET_KEY.exec(key)?.[1];
    if (!secret) continue;
    const where = `plugins.${plugin}.config.${key}`;
    if (typeof value !== "string" || !VARIABLE.test(value)) {
      problems.push(
        `${where} must name an environment variable of the bot (e.g. OPENAI_API_KEY), ` +
          `not hold the secret itself`,
      );
      continue;
    }
    const resolved = env(value);
    if (resolved === undefined || resolved === "") {
      problems.push(`${where} names ${value}, which is not set in the bot's environment`);
      continue;
    }
    if (resolved.length > MAX_SECRET_CHARS) {
      // The runner refuses a longer one (launch_config.ts): say so here, by name, not there.
      problems.push(
        `${where} names ${value}, whose value is longer than ${MAX_SECRET_CHARS} characters`,
      );
      continue;
    }
    secrets[secret] = resolved;
  }
  return { secrets, problems };
}
