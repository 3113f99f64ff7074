/**
 * One structured logger for every component. Each line carries the component (and, for
 * plugins, the plugin name). Pretty, coloured lines on a TTY; JSON lines otherwise, so logs
 * from `deno task dev` read well and logs from CI or a service manager parse well.
 */

export const LOG_LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LOG_LEVELS;

/** Extra structured context attached to one log line. */
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. `{ plugin: "dice" }`). */
  child(fields: LogFields): Logger;
}

/** Where log lines go. Defaults to stderr, so stdout stays free for CLI output and the shell chat. */
export type LogSink = (line: string) => void;

export interface LoggerOptions {
  level?: LogLevel;
  /** "pretty" for humans, "json" for machines; default: pretty on a TTY, json otherwise. */
  format?: "pretty" | "json";
  sink?: LogSink;
  fields?: LogFields;
}

const encoder = new TextEncoder();
const stderrSink: LogSink = (line) => {
  try {
    Deno.stderr.writeSync(encoder.encode(line + "\n"));
  } catch {
    // stderr is gone (its reader exited: a broken pipe). Logging must never take the process
    // down or stop it from shutting down, so the line is dropped.
  }
};

function defaultLevel(): LogLevel {
  try {
    const fromEnv = Deno.env.get("ROSEY_LOG_LEVEL");
    if (fromEnv && fromEnv in LOG_LEVELS) return fromEnv as LogLevel;
  } catch {
    // no env permission (a sandboxed plugin): keep the default
  }
  return "info";
}

function defaultFormat(): "pretty" | "json" {
  try {
    return Deno.stderr.isTerminal() ? "pretty" : "json";
  } catch {
    return "json";
  }
}

const COLOURS: Record<Exclude<LogLevel, "silent">, string> = {
  debug: "\x1b[90m",
  info: "\x1b[36m",
  warn: "\x1b[33m",
  error: "\x1b[31m",
};

/**
 * What a terminal (or a bidi renderer) would obey rather than show: C0 and C1 controls (ESC
 * sequences, CR, LF: a line break would let a value print a forged log line), the bidi controls
 * and line separators, the interlinear annotations U+FFF9-FFFB, the tag characters and lone
 * surrogates. Log lines carry text a plugin chose (its output, its error messages), so every
 * line is passed through this before it is written, whatever the format; JSON.stringify
 * escapes only C0 and lone surrogates.
 */
const STEERING =
  // deno-lint-ignore no-control-regex -- control characters are what this matches
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufff9-\ufffb]|[\u{e0000}-\u{e007f}]|\p{Surrogate}/gu;

/**
 * Replaces each steering character by its JSON escape (`\u001b`; an astral one as its two
 * surrogate escapes): visible to a reader, and still valid JSON inside a JSON string (outside
 * strings, JSON text has no such characters).
 */
function escapeSteering(text: string): string {
  return text.replace(STEERING, (match) => {
    let out = "";
    for (let i = 0; i < match.length; i++) {
      out += `\\u${match.charCodeAt(i).toString(16).padStart(4, "0")}`;
    }
    return out;
  });
}

function formatPretty(level: Exclude<LogLevel, "silent">, message: string, fields: LogFields) {
  const time = new Date().toISOString().slice(11, 23);
  const { component, plugin, ...rest } = fields;
  const who = [component, plugin].filter((x) => x !== undefined).join("/");
  const extra = Object.keys(rest).length > 0 ? " " + safeJson(rest) : "";
  // Only the colour codes added here reach the terminal as codes.
  return `${COLOURS[level]}${time} ${level.padEnd(5)}\x1b[0m ${
    escapeSteering(`${who ? `[${who}] ` : ""}${message}${extra}`)
  }`;
}

/**
 * `value` as JSON the way log lines write fields: an `Error` as `{name, message}`, a bigint as
 * its digits; `"[unserialisable]"` (a JSON string) if it cannot be written (a cycle).
 */
export function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v) => {
      if (v instanceof Error) return { name: v.name, message: v.message };
      if (typeof v === "bigint") return v.toString();
      return v;
    });
  } catch {
    return '"[unserialisable]"';
  }
}

/** Creates a logger; see {@linkcode LoggerOptions}. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = LOG_LEVELS[options.level ?? defaultLevel()];
  const format = options.format ?? defaultFormat();
  const sink = options.sink ?? stderrSink;
  const base = options.fields ?? {};
  const emit = (level: Exclude<LogLevel, "silent">, message: string, fields?: LogFields) => {
    if (LOG_LEVELS[level] < threshold) return;
    const all = { ...base, ...fields };
    sink(
      format === "json"
        ? escapeSteering(safeJson({ time: new Date().toISOString(), level, msg: message, ...all }))
        : formatPretty(level, message, all),
    );
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

/** A logger that drops everything; for tests that do not care about logs. */
export const silentLogger: Logger = createLogger({ level: "silent" });
