/**
 * Loading a YAML config file against a schema: read, parse YAML, substitute `${ENV}`, validate,
 * and hand back the typed value. Which sections there are is the composition root's business
 * (`app/config.ts` assembles `rosey.yaml` from each component's section); this is the part
 * every config file shares. Without a file the schema's defaults apply.
 */
import { parseDocument } from "yaml";
import type { z } from "zod";
import { ConfigError } from "./errors.ts";
import { type EnvLookup, processEnv, substituteEnv } from "./env_substitution.ts";
import { describeIssue } from "./_issues.ts";

/** The default file name, looked up in the base dir when no path is given. */
export const CONFIG_FILE_NAME = "rosey.yaml";

export interface LoadConfigOptions {
  /** Where to look for `rosey.yaml` and resolve relative paths when no file is given. Default cwd. */
  baseDir?: string;
  /** Environment lookup for `${NAME}`; default the process environment. */
  env?: EnvLookup;
}

/** How to read one kind of config file. */
export interface ConfigFileSpec<Schema extends z.ZodType> {
  /** The whole file's schema; its defaults make an empty file valid. */
  schema: Schema;
  /** Fixes appended to errors, by full key path (`<section>.<key>`). */
  fixes?: Readonly<Record<string, string>>;
  /** The top-level keys, for the "must be a mapping" message (`bot, nats, ...`). */
  sections: readonly string[];
}

/** A validated file: where it came from and what it says. */
export interface LoadedConfig<Value> {
  /** The file it was read from; `undefined` when the embedded defaults are used. */
  file: string | undefined;
  /** The directory relative paths in it are resolved against. */
  baseDir: string;
  value: Value;
}

/**
 * Reads and validates a config file. With `path`, that file must exist; without it,
 * `rosey.yaml` in the base dir is used if present, else the defaults. Throws
 * {@linkcode ConfigError} naming the file, the key and a fix.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { loadConfigFile } from "./load_config.ts";
 * const spec = { schema: z.strictObject({ a: z.number().default(1) }), sections: ["a"] };
 * const loaded = await loadConfigFile(spec, undefined, { baseDir: "/nonexistent" });
 * console.assert(loaded.value.a === 1 && loaded.file === undefined);
 * ```
 */
export async function loadConfigFile<Schema extends z.ZodType>(
  spec: ConfigFileSpec<Schema>,
  path?: string,
  options: LoadConfigOptions = {},
): Promise<LoadedConfig<z.output<Schema>>> {
  const baseDir = options.baseDir ?? Deno.cwd();
  const file = path ?? `${baseDir}/${CONFIG_FILE_NAME}`;
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      if (path === undefined) {
        return parseConfigText(spec, "", { ...options, baseDir, file: undefined });
      }
      throw new ConfigError(
        path,
        "",
        `file not found; copy rosey.example.yaml to ${path} and edit it, or leave out --config ` +
          `to run with the defaults`,
        { cause: error },
      );
    }
    throw new ConfigError(file, "", `cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseConfigText(spec, text, { ...options, baseDir: dirOf(file), file });
}

/** Parses and validates config text (what {@linkcode loadConfigFile} does after reading). */
export function parseConfigText<Schema extends z.ZodType>(
  spec: ConfigFileSpec<Schema>,
  text: string,
  options: LoadConfigOptions & { file: string | undefined },
): LoadedConfig<z.output<Schema>> {
  const label = options.file === undefined ? "(defaults)" : displayPath(options.file);
  const document = parseDocument(text, { prettyErrors: true });
  const yamlError = document.errors[0];
  if (yamlError) {
    const at = yamlError.linePos?.[0];
    const where = at ? `line ${at.line}, column ${at.col}` : "";
    throw new ConfigError(
      label,
      where,
      `not valid YAML (${
        yamlError.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "")
      }); check the indentation and quotes ` +
        `there (indent with spaces, quote values that contain ": " or start with "!")`,
    );
  }
  const raw: unknown = document.toJS() ?? {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError(
      label,
      "",
      `must be a mapping of sections (${spec.sections.join(", ")}); see rosey.example.yaml`,
    );
  }
  const substituted = substituteEnv(raw, options.env ?? processEnv, label);
  const result = spec.schema.safeParse(substituted, { reportInput: true });
  if (!result.success) {
    const [first, ...rest] = result.error.issues;
    const described = describeIssue(first!, spec.schema, spec.fixes ?? {});
    const more = rest.length > 0
      ? ` (and ${rest.length} more problem${rest.length > 1 ? "s" : ""})`
      : "";
    throw new ConfigError(label, described.key, described.problem + more);
  }
  return { file: options.file, baseDir: options.baseDir ?? Deno.cwd(), value: result.data };
}

function dirOf(file: string): string {
  const slash = file.lastIndexOf("/");
  if (slash < 0) return Deno.cwd();
  return slash === 0 ? "/" : file.slice(0, slash);
}

/** The file as a person would say it: relative to the working dir when it is inside it. */
function displayPath(file: string): string {
  let cwd = "";
  try {
    cwd = Deno.cwd();
  } catch {
    return file;
  }
  return file.startsWith(`${cwd}/`) ? file.slice(cwd.length + 1) : file;
}
