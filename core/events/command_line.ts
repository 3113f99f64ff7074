/**
 * Turning a chat line into a command: `!roll 2d6 "with advantage"` ->
 * `{command: "roll", args: ["2d6", "with advantage"], rawArgs: '2d6 "with advantage"'}`.
 * Pure functions, so the rules are easy to test and to explain to a plugin author.
 */

/** A command word: what manifests may declare (`CommandSpecSchema.name`). */
const COMMAND_WORD = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/**
 * Characters nobody sees: every whitespace (U+3000, U+00A0, ...), Unicode's
 * Default_Ignorable_Code_Point (U+200B-200F, U+2060-206F, U+FEFF, U+180E, U+115F, U+3164, ...),
 * the format characters (Cf: U+00AD, U+061C, U+202A-202E, ...) and the C0/C1 controls. Copy and
 * paste puts them before a command (a zero-width space, a BOM), where they would otherwise hide
 * the prefix. Property classes rather than a list: the same rule holds for characters a future
 * Unicode version adds (Unicode Standard Annex #44, DerivedCoreProperties.txt).
 */
const INVISIBLE = "[\\p{White_Space}\\p{Default_Ignorable_Code_Point}\\p{Cf}\\p{Cc}]";
const LEADING_INVISIBLE = new RegExp(`^${INVISIBLE}+`, "u");
const TRAILING_INVISIBLE = new RegExp(`${INVISIBLE}+$`, "u");
/** The invisible characters that are not whitespace: dropped anywhere in the command word. */
const INVISIBLE_FORMAT = /[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cc}]/gu;

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
 * Parses one chat line. Invisible characters before the prefix, between it and the command word
 * and at the ends of the arguments are ignored (a zero-width space or BOM from copy and paste).
 * Returns `undefined` when the line is not a command: no prefix, a space
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
  const line = text.replace(LEADING_INVISIBLE, "");
  if (!line.startsWith(prefix)) return undefined;
  // Invisible format characters right after the prefix are dropped too (`!\u200Broll`); a real
  // space there still means "not a command" (`! roll`).
  const rest = line.slice(prefix.length).replace(/^[\p{Default_Ignorable_Code_Point}\p{Cf}]+/u, "");
  const match = /^(\S+)(?:\s+([\s\S]*))?$/.exec(rest);
  if (!match) return undefined;
  const command = (match[1] ?? "").replace(INVISIBLE_FORMAT, "").toLowerCase();
  if (!COMMAND_WORD.test(command)) return undefined;
  const rawArgs = (match[2] ?? "").replace(LEADING_INVISIBLE, "").replace(TRAILING_INVISIBLE, "");
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
