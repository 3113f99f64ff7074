/**
 * Turning a chat line into a command: `!roll 2d6 "with advantage"` ->
 * `{command: "roll", args: ["2d6", "with advantage"], rawArgs: '2d6 "with advantage"'}`.
 * Pure functions, so the rules are easy to test and to explain to a plugin author.
 */

/** A command word: what manifests may declare (`CommandSpecSchema.name`). */
const COMMAND_WORD = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** The limits of `CommandExecuteSchema`: a command that parses must also validate. */
export const MAX_ARGS = 100;
export const MAX_ARG_LENGTH = 2000;

export interface ParsedCommand {
  /** The command word, lower-cased, without the prefix (aliases not resolved yet). */
  command: string;
  /** Arguments, shell-style: quotes group words and are removed. */
  args: string[];
  /** Everything after the command word, trimmed, untouched otherwise. */
  rawArgs: string;
}

export interface ParseOptions {
  /** The command prefix, default `!`. */
  prefix?: string;
}

/**
 * Parses one chat line. Returns `undefined` when the line is not a command: no prefix, a space
 * right after the prefix (`! roll`), or a word that no manifest could declare (`!!!`, `!?`), so
 * that excited chat never reaches a plugin.
 *
 * @example
 * ```ts
 * import { parseCommand } from "./command_parser.ts";
 * const parsed = parseCommand('!Roll 2d6 "for luck"');
 * console.assert(parsed?.command === "roll" && parsed.args[1] === "for luck");
 * ```
 */
export function parseCommand(text: string, options: ParseOptions = {}): ParsedCommand | undefined {
  const prefix = options.prefix ?? "!";
  const line = text.trimStart();
  if (!line.startsWith(prefix)) return undefined;
  const rest = line.slice(prefix.length);
  const match = /^(\S+)(?:\s+([\s\S]*))?$/.exec(rest);
  if (!match) return undefined;
  const command = (match[1] ?? "").toLowerCase();
  if (!COMMAND_WORD.test(command)) return undefined;
  const rawArgs = (match[2] ?? "").trim();
  const args = splitArgs(rawArgs).slice(0, MAX_ARGS).map((arg) => arg.slice(0, MAX_ARG_LENGTH));
  return { command, args, rawArgs };
}

/** Opening quote -> closing quote. Phones type curly quotes, so those group too. */
const QUOTES: Record<string, string> = {
  '"': '"',
  "'": "'",
  "\u201c": "\u201d",
  "\u2018": "\u2019",
};

/**
 * Splits arguments on whitespace; `"..."` and `'...'` (and curly quotes) group words and are
 * removed; inside double quotes `\"` is a literal quote. An unterminated quote takes the rest
 * of the line, which is what the person meant more often than an error would be.
 */
export function splitArgs(raw: string): string[] {
  const args: string[] = [];
  let current = "";
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (quote !== undefined) {
      if (ch === quote) {
        quote = undefined;
      } else if (ch === "\\" && quote === '"' && raw[i + 1] === '"') {
        current += '"';
        i++;
      } else {
        current += ch;
      }
      continue;
    }
    const closing = QUOTES[ch];
    // A quote only opens at the start of a word (or continues one: a"b c"d -> ab cd, as in sh);
    // an apostrophe inside a word (don't) stays literal.
    if (closing !== undefined && (!inWord || ch === '"')) {
      quote = closing;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) args.push(current);
      current = "";
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (inWord) args.push(current);
  return args;
}
