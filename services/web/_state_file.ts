/** Small JSON state files under `.rosey/web/`: validated on read, replaced atomically, 0600. */
import type { z } from "zod";
import { WebStateError } from "./errors.ts";

/** Reads and validates `path`; `fallback` when it does not exist. */
export async function readStateFile<T>(
  path: string,
  schema: z.ZodType<T>,
  fallback: T,
): Promise<T> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return fallback;
    throw new WebStateError(`${path}: cannot be read (${String(error)})`, { cause: error });
  }
  try {
    return schema.parse(JSON.parse(text));
  } catch (error) {
    throw new WebStateError(
      `${path}: not a valid state file (${String(error).slice(0, 200)}); move it aside to ` +
        `start afresh`,
      { cause: error },
    );
  }
}

/** Writes `value` as JSON to a temporary file, then renames it over `path` (owner-only). */
export async function writeStateFile(path: string, value: unknown): Promise<void> {
  const dir = path.slice(0, path.lastIndexOf("/"));
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const temporary = `${path}.tmp-${crypto.randomUUID()}`;
  await Deno.writeTextFile(temporary, JSON.stringify(value), { mode: 0o600 });
  await Deno.rename(temporary, path);
}
