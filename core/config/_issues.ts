/**
 * Turning a zod issue into `key: problem; fix` for a person editing YAML. zod's own messages
 * ("Invalid input: expected number, received string") say what but not where or how to fix.
 */
import type { z } from "zod";

type Issue = z.core.$ZodIssue & { input?: unknown };

/** `plugins.weather.grants.net[0]` from `["plugins","weather","grants","net",0]`. */
export function keyPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

const TYPE_EXAMPLES: Record<string, string> = {
  string: 'a text, e.g. "value"',
  number: "a number, e.g. 5",
  boolean: "true or false",
  array: "a list, e.g. [a, b]",
  object: "a section with keys under it",
};

/**
 * `key: problem; fix` for one issue; `root` is the file's schema (for "did you mean") and
 * `fixes` the hints by key path (a `<plugin>` segment stands for any plugin name).
 */
export function describeIssue(
  issue: Issue,
  root: z.core.$ZodType,
  fixes: Readonly<Record<string, string>>,
): { key: string; problem: string } {
  const key = keyPath(issue.path);
  const fix = fixes[key.replace(/\.[a-z][a-z0-9_-]*\.(grants|limits|config)/, ".<plugin>.$1")];
  const withFix = (problem: string) => (fix ? `${problem}; ${fix}` : problem);
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = knownKeys(root, issue.path);
      const unknown = issue.keys.map((k) => JSON.stringify(k)).join(", ");
      const guess = issue.keys.length === 1 ? closest(issue.keys[0]!, known) : undefined;
      return {
        key,
        problem: `unknown key ${unknown}` +
          (guess ? `; did you mean "${guess}"?` : "") +
          (known.length > 0 ? ` (known keys: ${known.join(", ")})` : ""),
      };
    }
    case "invalid_type": {
      if (issue.input === undefined) {
        return {
          key,
          problem: withFix(`missing; write ${TYPE_EXAMPLES[issue.expected] ?? issue.expected}`),
        };
      }
      return {
        key,
        problem: withFix(
          `expected ${TYPE_EXAMPLES[issue.expected] ?? issue.expected}, got ` +
            `${JSON.stringify(issue.input)}`,
        ),
      };
    }
    case "too_small":
    case "too_big": {
      const bound = issue.code === "too_small" ? "at least" : "at most";
      const value = issue.code === "too_small" ? issue.minimum : issue.maximum;
      const what = issue.origin === "string"
        ? `${value} character${value === 1 ? "" : "s"}`
        : issue.origin === "array"
        ? `${value} item${value === 1 ? "" : "s"}`
        : String(value);
      return {
        key,
        problem: withFix(
          `${JSON.stringify(issue.input)} is too ${
            issue.code === "too_small" ? "small" : "big"
          }, ` +
            `it must be ${bound} ${what}`,
        ),
      };
    }
    default:
      // Custom messages already say what to write (see config_schema.ts).
      return { key, problem: withFix(issue.message) };
  }
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (let i = 0; i < 10; i++) {
    const def = current._zod.def as { type: string; innerType?: z.core.$ZodType };
    if (def.innerType && ["default", "optional", "nullable", "prefault"].includes(def.type)) {
      current = def.innerType;
    } else break;
  }
  return current;
}

/** The keys the schema allows at `path` (for "did you mean"). */
function knownKeys(root: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let schema: z.core.$ZodType | undefined = root;
  for (const part of path) {
    if (!schema) return [];
    const def = unwrap(schema)._zod.def as {
      type: string;
      shape?: Record<string, z.core.$ZodType>;
      catchall?: z.core.$ZodType;
      element?: z.core.$ZodType;
    };
    if (def.type === "object") {
      schema = def.shape?.[String(part)] ?? def.catchall;
    } else if (def.type === "array") {
      schema = def.element;
    } else return [];
  }
  if (!schema) return [];
  const def = unwrap(schema)._zod.def as { type: string; shape?: Record<string, unknown> };
  return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = saved;
    }
  }
  return row[b.length]!;
}
