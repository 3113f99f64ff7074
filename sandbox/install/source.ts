/**
 * Where a plugin comes from: a local file, an https URL (http only on loopback, for tests and a
 * local index), or a name looked up in the configured indexes (`plugins.indexes`).
 *
 * An index is a JSON document:
 *
 * ```json
 * { "plugins": [ { "name": "hello", "version": "1.0.0", "description": "says hello",
 *     "url": "hello.ts", "sha256": "<hex>", "publisher": "U…", "signature": "<base64url>",
 *     "permissions": { "commands": ["hello"], "events": [], "net": [] } } ] }
 * ```
 *
 * `url` is resolved against the index's own URL. `permissions` are what the plugin requests
 * (the PermissionSet of sandbox/manager/approval.ts); a file that declares more is refused.
 */
import { PLUGIN_NAME } from "@quicksilver/core";
import { z } from "zod";
import { PermissionSetSchema, sha256Hex } from "../manager/mod.ts";
import { InstallError } from "./errors.ts";
import { SignatureFileSchema } from "./signature.ts";

export const IndexEntrySchema = z.strictObject({
  name: z.string().regex(PLUGIN_NAME),
  version: z.string().min(1).max(64),
  description: z.string().max(500).optional(),
  url: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "write the file's SHA-256 as 64 hex digits"),
  publisher: z.string().regex(/^U[A-Z2-7]{55}$/).optional(),
  signature: z.string().optional(),
  permissions: PermissionSetSchema.prefault({}),
});
export type IndexEntry = z.infer<typeof IndexEntrySchema>;

export const PluginIndexSchema = z.object({
  name: z.string().optional(),
  plugins: z.array(IndexEntrySchema),
});
export type PluginIndex = z.infer<typeof PluginIndexSchema>;

/** A plugin file fetched, with what its source says about it. */
export interface FetchedPlugin {
  name: string;
  code: Uint8Array;
  sha256: string;
  /** Where the file came from, as the approval record keeps it (what `update` fetches again). */
  source: string;
  /** Said in the review: `index <url>`, the URL or the path. */
  origin: string;
  entry?: IndexEntry;
  /** The signature that came with it (index entry or `.sig` file). */
  signed: { publisher?: string; signature?: string };
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
/** A plugin is one file, an index one document: more than this is not one (and not read). */
export const MAX_SOURCE_BYTES = 2 * 1024 * 1024;

function fetchable(url: URL): boolean {
  return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname));
}

/** Reads a URL (https, or http on loopback) or a local path. */
export async function readSource(location: string): Promise<Uint8Array | null> {
  if (/^[a-z]+:\/\//i.test(location)) {
    const url = new URL(location);
    if (!fetchable(url)) {
      throw new InstallError(
        "source",
        `${location}: only https:// is fetched (http:// only from 127.0.0.1 or localhost)`,
      );
    }
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    } catch (error) {
      throw new InstallError("source", `${location}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    // Redirects are followed (release hosts use them), but only to where we would go directly.
    if (response.url && !fetchable(new URL(response.url))) {
      await response.body?.cancel();
      throw new InstallError("source", `${location} redirects to ${response.url}, not https`);
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new InstallError("source", `${location}: the server answered ${response.status}`);
    }
    if (Number(response.headers.get("content-length") ?? 0) > MAX_SOURCE_BYTES) {
      await response.body?.cancel();
      throw new InstallError("source", `${location} is larger than ${MAX_SOURCE_BYTES} bytes`);
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    return capped(location, bytes);
  }
  try {
    if ((await Deno.stat(location)).size > MAX_SOURCE_BYTES) {
      throw new InstallError("source", `${location} is larger than ${MAX_SOURCE_BYTES} bytes`);
    }
    return await Deno.readFile(location);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    if (error instanceof InstallError) throw error;
    throw new InstallError("source", `${location}: ${(error as Error).message}`, { cause: error });
  }
}

function capped(location: string, bytes: Uint8Array): Uint8Array {
  if (bytes.length > MAX_SOURCE_BYTES) {
    throw new InstallError("source", `${location} is larger than ${MAX_SOURCE_BYTES} bytes`);
  }
  return bytes;
}

/** Reads and validates an index. */
export async function readIndex(location: string): Promise<PluginIndex> {
  const bytes = await readSource(location);
  if (!bytes) throw new InstallError("source", `plugin index ${location} was not found`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new InstallError("source", `plugin index ${location} is not JSON`, { cause: error });
  }
  const parsed = PluginIndexSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InstallError(
      "source",
      `plugin index ${location}: ${issue?.path.join(".")}: ${issue?.message}`,
    );
  }
  return parsed.data;
}

/** True when `spec` names a plugin to look up in the indexes rather than a file or URL. */
export function isIndexName(spec: string): boolean {
  return PLUGIN_NAME.test(spec) && !spec.endsWith(".ts");
}

/**
 * Fetches a plugin by file path, URL or index name. Refuses a file whose SHA-256 differs from
 * the one its index entry or signature file lists (`tampered`, whatever the flags).
 */
export async function fetchPlugin(
  spec: string,
  options: { indexes: readonly string[]; cwd?: string },
): Promise<FetchedPlugin> {
  if (isIndexName(spec)) return await fetchFromIndexes(spec, options.indexes);
  const isUrl = /^[a-z]+:\/\//i.test(spec);
  const location = isUrl || spec.startsWith("/") ? spec : `${options.cwd ?? Deno.cwd()}/${spec}`;
  const base = location.split(/[/?#]/).filter(Boolean).at(isUrl ? -1 : -1) ?? "";
  const name = base.endsWith(".ts") ? base.slice(0, -3) : "";
  if (!PLUGIN_NAME.test(name)) {
    throw new InstallError(
      "source",
      `${spec}: a plugin file is named after the plugin, like hello.ts (lower-case, digits, _ or -)`,
    );
  }
  const code = await readSource(location);
  if (!code) throw new InstallError("source", `${spec} was not found`);
  const sha256 = await sha256Hex(code);
  const sigBytes = await readSource(`${location}.sig`);
  const signed: FetchedPlugin["signed"] = {};
  if (sigBytes) {
    const sig = SignatureFileSchema.safeParse(
      (() => {
        try {
          return JSON.parse(new TextDecoder().decode(sigBytes));
        } catch {
          return null;
        }
      })(),
    );
    if (!sig.success) {
      throw new InstallError(
        "source",
        `${location}.sig is not a signature file (sign with \`deno task plugins sign\`)`,
      );
    }
    if (sig.data.sha256 !== sha256) {
      throw new InstallError(
        "tampered",
        `${spec} has SHA-256 ${sha256}, but its signature file ${location}.sig was made for ` +
          `${sig.data.sha256}: the file changed after it was signed. Not installed`,
      );
    }
    signed.publisher = sig.data.publisher;
    signed.signature = sig.data.signature;
  }
  return { name, code, sha256, source: location, origin: location, signed };
}

async function fetchFromIndexes(name: string, indexes: readonly string[]): Promise<FetchedPlugin> {
  if (indexes.length === 0) {
    throw new InstallError(
      "source",
      `"${name}" is not a file or URL, and no plugin index is configured; add one to ` +
        `rosey.yaml: plugins.indexes: ["https://…/index.json"]`,
    );
  }
  for (const index of indexes) {
    const entry = (await readIndex(index)).plugins.find((p) => p.name === name);
    if (!entry) continue;
    const url = /^[a-z]+:\/\//i.test(index)
      ? new URL(entry.url, index).href
      : entry.url.startsWith("/")
      ? entry.url
      : `${index.slice(0, index.lastIndexOf("/"))}/${entry.url}`;
    const code = await readSource(url);
    if (!code) throw new InstallError("source", `${url} (listed by ${index}) was not found`);
    const sha256 = await sha256Hex(code);
    if (sha256 !== entry.sha256) {
      throw new InstallError(
        "tampered",
        `${url} has SHA-256 ${sha256}, but the index ${index} lists ${entry.sha256}: the file ` +
          `is not the one that was published. Not installed`,
      );
    }
    const signed: FetchedPlugin["signed"] = {};
    if (entry.publisher) signed.publisher = entry.publisher;
    if (entry.signature) signed.signature = entry.signature;
    return { name, code, sha256, source: name, origin: `${url} (index ${index})`, entry, signed };
  }
  throw new InstallError("source", `no plugin named "${name}" in ${indexes.join(", ")}`);
}
