/**
 * Subjects are spelled in one place (core/subjects/): no other code has a string literal that
 * starts with the root token, so the subject tree has a single source (issue 2's acceptance
 * criterion "Subjects and schemas are the single source used by all code").
 */
import assert from "node:assert/strict";
import { ROOT } from "@quicksilver/core";
import { stringLiterals } from "./_string_literals.ts";

const REPO_ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** Folders that are not the project's source. */
const SKIP_DIRS = new Set(["node_modules", ".git", ".rosey", "coverage"]);

/**
 * Files allowed to spell subjects: the subject tree itself, and the one test that pins the
 * wire format by comparing the builders with literal strings.
 */
const EXEMPT = [/^core\/subjects\//, /^tests\/core\/subjects_test\.ts$/];

/** The config file is called `rosey.yaml`; that is a file name, not a subject. */
const CONFIG_FILE_NAMES = /^(example\.)?ya?ml\b/;

async function* typescriptFiles(dir: string, relative = ""): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory) {
      if (!SKIP_DIRS.has(entry.name)) yield* typescriptFiles(`${dir}/${entry.name}`, path);
    } else if (entry.isFile && /\.(ts|tsx|mts)$/.test(entry.name)) {
      yield path;
    }
  }
}

Deno.test("the lexer finds string literals, not comments or regexes", () => {
  const source = [
    '// "in a line comment"',
    "/* 'in a block",
    "   comment' */ const a = 'single';",
    'const b = "double \\" escaped";',
    "const c = `tpl ${'inner'} and ${`nested ${x}`} end`;",
    'const d = /"not a string"/g.test(x) ? a / b / c : "after";',
    "return /'also a regex'/;",
  ].join("\n");
  assert.deepEqual(stringLiterals(source), [
    { text: "single", line: 3 },
    { text: 'double \\" escaped', line: 4 },
    { text: "tpl ", line: 5 },
    { text: "inner", line: 5 },
    { text: " and ", line: 5 },
    { text: "nested ", line: 5 },
    { text: "", line: 5 },
    { text: " end", line: 5 },
    { text: "after", line: 6 },
  ]);
});

Deno.test("no code outside core/subjects spells a subject as a string literal", async () => {
  const prefix = `${ROOT}.`;
  const offences: string[] = [];
  for await (const path of typescriptFiles(REPO_ROOT)) {
    if (EXEMPT.some((pattern) => pattern.test(path))) continue;
    const source = await Deno.readTextFile(`${REPO_ROOT}/${path}`);
    if (!source.includes(prefix)) continue;
    for (const literal of stringLiterals(source)) {
      if (!literal.text.startsWith(prefix)) continue;
      if (CONFIG_FILE_NAMES.test(literal.text.slice(prefix.length))) continue;
      offences.push(`${path}:${literal.line}: ${JSON.stringify(literal.text.slice(0, 60))}`);
    }
  }
  assert.deepEqual(
    offences,
    [],
    `subjects must come from the builders in core/subjects (e.g. subjects.event("message")); ` +
      `add a builder there if one is missing:\n  ${offences.join("\n  ")}`,
  );
});
