/**
 * A plugin index as a publisher would serve it, for the install tests: plugin files and an
 * `index.json` in a temp dir, served over HTTP on 127.0.0.1 (a free port), signed with a fresh
 * publisher key.
 */
import { createPublisherKey, sha256Hex, signHash } from "@quicksilver/sandbox";
import { REPO_ROOT } from "@quicksilver/testbed";

export interface PluginSpec {
  name: string;
  version: string;
  reply: string;
  /** Command words (default: the name). */
  commands?: string[];
  /** Hosts it asks for in `extras.net`. */
  net?: string[];
  /** Its `setup` throws: it fails its first start. */
  brokenSetup?: boolean;
}

/** The source of a small plugin. */
export function pluginSource(spec: PluginSpec): string {
  const commands = (spec.commands ?? [spec.name]).map((word) =>
    `    ${JSON.stringify(word)}: { handler: () => ${JSON.stringify(spec.reply)} },\n`
  ).join("");
  return `import { definePlugin } from "@quicksilver/sdk";\n` +
    `export default definePlugin({\n` +
    `  name: ${JSON.stringify(spec.name)},\n  version: ${JSON.stringify(spec.version)},\n` +
    `  description: "a test plugin",\n` +
    `  commands: {\n${commands}  },\n` +
    (spec.net ? `  extras: { net: ${JSON.stringify(spec.net)} },\n` : "") +
    (spec.brokenSetup ? `  setup: () => { throw new Error("broken setup"); },\n` : "") +
    `});\n`;
}

export interface EntryOptions {
  /** Leave the signature out. */
  unsigned?: boolean;
  /** Publish a SHA-256 that is not the file's (the file was swapped after publishing). */
  tamper?: boolean;
}

export class TestIndex implements AsyncDisposable {
  readonly dir: string;
  readonly publisher: string;
  readonly #seed: string;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #entries = new Map<string, unknown>();

  private constructor(dir: string) {
    this.dir = dir;
    const key = createPublisherKey();
    this.publisher = key.publicKey;
    this.#seed = key.seed;
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      async (req) => {
        const path = new URL(req.url).pathname.replace(/^\/+/, "");
        if (!/^[a-z0-9_.-]+$/.test(path)) return new Response("bad path", { status: 400 });
        try {
          return new Response(await Deno.readFile(`${dir}/${path}`));
        } catch {
          return new Response("not found", { status: 404 });
        }
      },
    );
  }

  static async create(): Promise<TestIndex> {
    return new TestIndex(await Deno.makeTempDir({ prefix: "quicksilver-index-" }));
  }

  get url(): string {
    return `http://127.0.0.1:${this.#server.addr.port}/index.json`;
  }

  /** Publishes (or republishes) a plugin: its file, and its entry in index.json. */
  async publish(spec: PluginSpec, options: EntryOptions = {}): Promise<void> {
    const code = new TextEncoder().encode(pluginSource(spec));
    const file = `${spec.name}-${spec.version}.ts`;
    await Deno.writeFile(`${this.dir}/${file}`, code);
    const sha256 = await sha256Hex(code);
    const signed = signHash(sha256, this.#seed);
    const listed = options.tamper ? await sha256Hex(new TextEncoder().encode("other")) : sha256;
    this.#entries.set(spec.name, {
      name: spec.name,
      version: spec.version,
      url: file,
      sha256: listed,
      ...(options.unsigned ? {} : { publisher: signed.publisher, signature: signed.signature }),
      permissions: { commands: spec.commands ?? [spec.name], net: spec.net ?? [] },
    });
    await Deno.writeTextFile(
      `${this.dir}/index.json`,
      JSON.stringify({ plugins: [...this.#entries.values()] }, null, 2),
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#server.shutdown();
    await Deno.remove(this.dir, { recursive: true });
  }
}

/** Runs `deno task plugins ...args` (as scripts/plugins.ts) for a dev home. */
export async function pluginsCli(
  home: string,
  args: string[],
  options: { input?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${REPO_ROOT}/scripts/plugins.ts`, ...args, "--home", home],
    cwd: home,
    stdin: options.input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.input !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.input));
    await writer.close();
  }
  const output = await child.output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
}
