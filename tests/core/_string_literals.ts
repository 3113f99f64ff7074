/**
 * A small TypeScript lexer that finds string literals (and the static parts of template
 * literals) outside comments, with the line each starts on. Enough for source policy tests; it
 * knows comments, the three kinds of quotes, `${}` nesting and regex literals, nothing more.
 */

export interface StringLiteral {
  text: string;
  line: number;
}

/** Keywords after which a `/` starts a regex literal rather than a division. */
const REGEX_AFTER_WORDS = new Set([
  "return",
  "typeof",
  "case",
  "do",
  "else",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "yield",
  "await",
]);
const REGEX_AFTER_CHARS = new Set("(,=:[!&|?{};+-*%<>~^".split(""));

export function stringLiterals(source: string): StringLiteral[] {
  const found: StringLiteral[] = [];
  let i = 0;
  let line = 1;
  /** The last significant character and word outside comments, to tell regex from division. */
  let prev = "";
  let prevWord = "";

  const advance = (n = 1) => {
    for (let k = 0; k < n && i < source.length; k++) {
      if (source[i] === "\n") line++;
      i++;
    }
  };

  const readQuoted = (quote: string) => {
    const startLine = line;
    advance(); // opening quote
    let text = "";
    while (i < source.length && source[i] !== quote && source[i] !== "\n") {
      if (source[i] === "\\") {
        text += source.slice(i, i + 2);
        advance(2);
        continue;
      }
      text += source[i];
      advance();
    }
    advance(); // closing quote
    found.push({ text, line: startLine });
  };

  const readTemplate = () => {
    advance(); // opening backtick
    let startLine = line;
    let text = "";
    while (i < source.length && source[i] !== "`") {
      if (source[i] === "\\") {
        text += source.slice(i, i + 2);
        advance(2);
        continue;
      }
      if (source[i] === "$" && source[i + 1] === "{") {
        found.push({ text, line: startLine });
        advance(2);
        readCode(true);
        advance(); // closing brace
        text = "";
        startLine = line;
        continue;
      }
      text += source[i];
      advance();
    }
    advance(); // closing backtick
    found.push({ text, line: startLine });
  };

  const readRegex = () => {
    advance(); // opening slash
    let inClass = false;
    while (i < source.length && source[i] !== "\n") {
      const c = source[i];
      if (c === "\\") {
        advance(2);
        continue;
      }
      if (c === "[") inClass = true;
      else if (c === "]") inClass = false;
      else if (c === "/" && !inClass) break;
      advance();
    }
    advance(); // closing slash
    while (i < source.length && /[a-z]/i.test(source[i]!)) advance(); // flags
  };

  /** Reads code until the end, or (inside `${}`) until the unmatched closing brace. */
  const readCode = (inTemplate: boolean) => {
    let depth = 0;
    while (i < source.length) {
      const c = source[i]!;
      const next = source[i + 1];
      if (c === "/" && next === "/") {
        while (i < source.length && source[i] !== "\n") advance();
        continue;
      }
      if (c === "/" && next === "*") {
        advance(2);
        while (i < source.length && !(source[i] === "*" && source[i + 1] === "/")) advance();
        advance(2);
        continue;
      }
      if (c === '"' || c === "'") {
        readQuoted(c);
        prev = c;
        prevWord = "";
        continue;
      }
      if (c === "`") {
        readTemplate();
        prev = "`";
        prevWord = "";
        continue;
      }
      if (
        c === "/" && (prev === "" || REGEX_AFTER_CHARS.has(prev) || REGEX_AFTER_WORDS.has(prevWord))
      ) {
        readRegex();
        prev = ")"; // a regex is a value: a following `/` divides
        prevWord = "";
        continue;
      }
      if (inTemplate) {
        if (c === "{") depth++;
        if (c === "}") {
          if (depth === 0) return;
          depth--;
        }
      }
      if (/\s/.test(c)) {
        advance();
        continue;
      }
      if (/[A-Za-z0-9_$]/.test(c)) {
        let word = "";
        while (i < source.length && /[A-Za-z0-9_$]/.test(source[i]!)) {
          word += source[i];
          advance();
        }
        prev = "a";
        prevWord = word;
        continue;
      }
      prev = c;
      prevWord = "";
      advance();
    }
  };

  readCode(false);
  return found;
}
