/**
 * Who owns a command word. A word (a command name or an alias) has one owner, so a plugin
 * installed later can never take `!roll` from dice or `!inspect` (admin only) from inspector by
 * declaring the same word: sorting by name (the old rule) let `aaa.ts` win both, and lowered
 * `!inspect` to every rank.
 *
 * The owner of a word is, in this order:
 * 1. the plugin the operator names in `router.commandOwners` (`{ roll: dice }`);
 * 2. the plugin that held it first, remembered in the instance's state dir
 *    (`<stateDir>/command-owners.json`), across restarts and even while it is stopped, failed
 *    or removed: the word then answers nobody until the operator names a new owner;
 * 3. for a word nobody held yet: the one plugin declaring it. Several newcomers declaring it in
 *    the same table cannot be told apart (nobody was first); a name beats aliases, otherwise the
 *    word answers nobody until the operator names its owner.
 *
 * @module
 */
import { RouterOptionsError } from "./errors.ts";

/** One plugin's claim on a word. */
export interface CommandClaim {
  plugin: string;
  /** True when the word is the command's name, false for an alias. */
  isName: boolean;
}

/** What became of the claims on one word. */
export interface OwnerDecision {
  /** The plugin the word routes to, if any. */
  owner?: string | undefined;
  /** Why the owner holds it. */
  reason?: "configured" | "remembered" | "first";
  /** Claims refused because the word belongs to someone else. */
  refused: string[];
  /** Several newcomers at once and nobody first: the word routes nowhere. */
  unsettled: string[];
}

/** The file's shape: `{"owners": {"roll": "dice"}}`. */
interface OwnersFile {
  owners: Record<string, string>;
}

const WORD = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const PLUGIN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export interface CommandOwnersOptions {
  /** Where first owners are remembered (JSON); without it they last as long as the router. */
  file?: string;
  /** The operator's choice (`router.commandOwners`): word -> plugin. */
  configured?: Readonly<Record<string, string>>;
}

export class CommandOwners {
  readonly #file: string | undefined;
  readonly #configured: ReadonlyMap<string, string>;
  readonly #remembered = new Map<string, string>();

  /**
   * Reads the remembered owners from `options.file` (a missing file is an empty record).
   * Throws {@linkcode RouterOptionsError} for a configured word or plugin name that cannot be
   * one, and for a file that is not an owners record (it names the file and how to fix it).
   */
  constructor(options: CommandOwnersOptions = {}) {
    this.#file = options.file;
    const configured = new Map<string, string>();
    for (const [word, plugin] of Object.entries(options.configured ?? {})) {
      const key = word.toLowerCase();
      if (!WORD.test(key)) {
        throw new RouterOptionsError(
          `router.commandOwners: ${JSON.stringify(word)} is not a command word; write the ` +
            `word without the prefix, e.g. roll: dice`,
        );
      }
      if (!PLUGIN.test(plugin)) {
        throw new RouterOptionsError(
          `router.commandOwners.${key}: ${JSON.stringify(plugin)} is not a plugin name; write ` +
            `the plugin's file name without .ts, e.g. ${key}: dice`,
        );
      }
      configured.set(key, plugin);
    }
    this.#configured = configured;
    if (this.#file) this.#load(this.#file);
  }

  /** Word -> owner as remembered (configured owners are remembered once they hold a word). */
  get remembered(): ReadonlyMap<string, string> {
    return this.#remembered;
  }

  /** The configured owner of `word`, if the operator named one. */
  configuredOwner(word: string): string | undefined {
    return this.#configured.get(word);
  }

  /**
   * Decides who owns `word` among `claims`, and remembers a new owner (in the file, if any).
   * `claims` are the plugins of the current table declaring the word.
   */
  decide(word: string, claims: readonly CommandClaim[]): OwnerDecision {
    const claimants = [...new Set(claims.map((claim) => claim.plugin))];
    const configured = this.#configured.get(word);
    const remembered = this.#remembered.get(word);
    const held = configured ?? remembered;
    if (held !== undefined) {
      if (claimants.includes(held) && remembered !== held) this.#remember(word, held);
      return {
        owner: claimants.includes(held) ? held : undefined,
        reason: configured !== undefined ? "configured" : "remembered",
        refused: claimants.filter((plugin) => plugin !== held),
        unsettled: [],
      };
    }
    let owner: string | undefined;
    if (claimants.length === 1) owner = claimants[0];
    else {
      const byName = [...new Set(claims.filter((c) => c.isName).map((c) => c.plugin))];
      if (byName.length === 1) owner = byName[0];
    }
    if (owner === undefined) {
      return { refused: [], unsettled: claimants };
    }
    this.#remember(word, owner);
    return {
      owner,
      reason: "first",
      refused: claimants.filter((plugin) => plugin !== owner),
      unsettled: [],
    };
  }

  #remember(word: string, plugin: string): void {
    this.#remembered.set(word, plugin);
    if (!this.#file) return;
    const data: OwnersFile = {
      owners: Object.fromEntries([...this.#remembered].sort(([a], [b]) => a.localeCompare(b))),
    };
    // Written whole to a temporary file and renamed over: a crash mid-write never leaves a
    // half file that would forget every owner.
    const temporary = `${this.#file}.tmp`;
    try {
      Deno.writeTextFileSync(temporary, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
      Deno.renameSync(temporary, this.#file);
      this.writeError = undefined;
    } catch (error) {
      // Routing goes on from memory; the router logs this so the operator can fix the dir.
      this.writeError = `${this.#file}: cannot remember command owners: ${error}`;
    }
  }

  /** Why the last write of the owners file failed, if it did (owners are kept in memory). */
  writeError: string | undefined;

  #load(file: string): void {
    let text: string;
    try {
      text = Deno.readTextFileSync(file);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw new RouterOptionsError(`${file}: cannot read the command owners: ${error}`, {
        cause: error,
      });
    }
    const fix = `fix it, or delete it to let the plugins installed now keep their commands`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new RouterOptionsError(`${file}: not JSON (${error}); ${fix}`, { cause: error });
    }
    const owners = (parsed as Partial<OwnersFile> | null)?.owners;
    if (typeof owners !== "object" || owners === null || Array.isArray(owners)) {
      throw new RouterOptionsError(`${file}: expected {"owners": {"<word>": "<plugin>"}}; ${fix}`);
    }
    for (const [word, plugin] of Object.entries(owners)) {
      if (!WORD.test(word) || typeof plugin !== "string" || !PLUGIN.test(plugin)) {
        throw new RouterOptionsError(
          `${file}: owners.${word}: ${JSON.stringify(plugin)} is not a word and a plugin; ${fix}`,
        );
      }
      this.#remembered.set(word, plugin);
    }
  }
}
