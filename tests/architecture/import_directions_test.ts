/**
 * The import directions, enforced: every module's imports as Deno itself resolves them
 * (`deno info --json`, so aliases, re-exports and literal dynamic imports count), checked
 * against the arrows of docs/ARCHITECTURE.md. A wrong arrow fails with the file, the line and
 * the rule it breaks.
 *
 * Why a test and not a Deno workspace: the sandboxed plugin launch (`deno run --config
 * deno.json --frozen --cached-only`) and the module vetting resolve through the one root
 * `deno.json`; workspace members with import maps of their own would change what a plugin
 * resolves, and `deno check` per member would only catch an arrow to a package the member does
 * not list, not "services do not import each other". This test states each rule in one line.
 */
import assert from "node:assert/strict";
import { REPO_ROOT } from "@quicksilver/testbed";

/** Where a file belongs. `null` for files outside the rules (npm, the hostile fixtures). */
function unitOf(path: string): string | null {
  if (!path.startsWith(`${REPO_ROOT}/`)) return null;
  const rel = path.slice(REPO_ROOT.length + 1);
  const [top, second] = rel.split("/");
  switch (top) {
    case "core":
      return rel === "core/client_mod.ts" ? "core/client" : "core";
    case "services":
    case "connectors":
      return `${top}/${second}`;
    case "sandbox":
      if (rel === "sandbox/sdk/testing.ts") return "sdk/testing";
      return second === "sdk" || second === "runner" ? `sandbox/${second}` : "sandbox";
    case "node_modules":
      return null;
    default:
      return top ?? null;
  }
}

/** The units each unit may import, besides itself and npm packages. */
const CONTRACT = ["core", "core/client"];
const PUBLIC_ALLOWED: Record<string, (target: string) => boolean> = {
  // The contract imports nothing above it.
  "core": (t) => CONTRACT.includes(t),
  "core/client": (t) => CONTRACT.includes(t),
  // A plugin's world is the SDK; the SDK and the runner load the slim face of the core only
  // (plugin memory: docs/PERFORMANCE.md).
  "plugins": (t) => t === "sandbox/sdk",
  "sandbox/sdk": (t) => t === "core/client",
  "sandbox/runner": (t) => t === "core/client" || t === "sandbox/sdk",
  "sandbox": (t) => CONTRACT.includes(t) || t.startsWith("sandbox/"),
  // The plugin authors' test bed: the sandbox, the test bed, and the router's own policy.
  "sdk/testing": (t) =>
    CONTRACT.includes(t) || t.startsWith("sandbox") || t === "testbed" || t === "services/router",
  "testbed": (t) => CONTRACT.includes(t),
  // The composition root assembles everything public.
  "app": (t) => !["tests", "scripts"].includes(t),
};

function allowed(from: string, to: string): boolean {
  if (from === to) return true;
  const rule = PUBLIC_ALLOWED[from];
  if (rule) return rule(to);
  // A service or a connector: the contract only; never another service or connector.
  if (from.startsWith("services/") || from.startsWith("connectors/")) {
    return CONTRACT.includes(to);
  }
  // scripts may use anything but the tests; tests and docs may use anything.
  if (from === "scripts") return to !== "tests";
  return true;
}

interface Edge {
  from: string;
  to: string;
  line: number;
}

async function importGraph(): Promise<Edge[]> {
  const files: string[] = [];
  for (const top of ["core", "app", "testbed", "services", "connectors", "sandbox", "plugins"]) {
    await collect(`${REPO_ROOT}/${top}`, files);
  }
  await collect(`${REPO_ROOT}/scripts`, files);
  const root = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(root, files.map((f) => `import "file://${f}";`).join("\n"));
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", `${REPO_ROOT}/deno.json`, root],
      cwd: REPO_ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(output.success, new TextDecoder().decode(output.stderr));
    const graph = JSON.parse(new TextDecoder().decode(output.stdout)) as {
      modules: {
        specifier: string;
        dependencies?: {
          specifier: string;
          code?: { specifier: string; span: { start: { line: number } } };
          type?: { specifier: string; span: { start: { line: number } } };
        }[];
      }[];
    };
    const edges: Edge[] = [];
    for (const module of graph.modules) {
      if (!module.specifier.startsWith("file://") || module.specifier === `file://${root}`) {
        continue;
      }
      for (const dep of module.dependencies ?? []) {
        const target = dep.code ?? dep.type;
        if (!target) continue;
        edges.push({
          from: decodeURIComponent(new URL(module.specifier).pathname),
          to: target.specifier.startsWith("file://")
            ? decodeURIComponent(new URL(target.specifier).pathname)
            : target.specifier,
          line: target.span.start.line + 1,
        });
      }
    }
    return edges;
  } finally {
    await Deno.remove(root);
  }
}

async function collect(dir: string, into: string[]): Promise<void> {
  const exists = await Deno.stat(dir).then(() => true, () => false);
  if (!exists) return;
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) await collect(path, into);
    else if (entry.isFile && entry.name.endsWith(".ts")) into.push(path);
  }
}

const relative = (path: string) => path.slice(REPO_ROOT.length + 1);

Deno.test("imports point one way: core <- sandbox, services, connectors <- app; a plugin sees only the SDK", async () => {
  const problems: string[] = [];
  for (const edge of await importGraph()) {
    const from = unitOf(edge.from);
    if (from === null) continue;
    if (!edge.to.startsWith("/")) {
      // npm: and node: are fine (deno.json pins them); anything else is a URL import.
      if (!/^(npm|node):/.test(edge.to)) {
        problems.push(`${relative(edge.from)}:${edge.line}: imports ${edge.to} (no URL imports)`);
      }
      continue;
    }
    const to = unitOf(edge.to);
    if (to === null || allowed(from, to)) continue;
    problems.push(
      `${relative(edge.from)}:${edge.line}: ${from} must not import ${to} ` +
        `(${relative(edge.to)})`,
    );
  }
  assert.deepEqual(problems, [], `wrong arrows:\n${problems.join("\n")}`);
});

Deno.test("the core's public face is a curated list without internals", async () => {
  const mod = await Deno.readTextFile(`${REPO_ROOT}/core/mod.ts`);
  assert.doesNotMatch(mod, /export \* from/, "core/mod.ts names what it exports");
  const core = await import("@quicksilver/core");
  for (const internal of ["ProtocolParser", "connectLite", "credsSigner", "stringAt"]) {
    assert.equal(internal in core, false, `${internal} is internal to the core`);
  }
});

Deno.test("the core names no application: no router, monitor or connector in core/", async () => {
  const files: string[] = [];
  await collect(`${REPO_ROOT}/core`, files);
  const problems: string[] = [];
  for (const file of files) {
    const lines = (await Deno.readTextFile(file)).split("\n");
    lines.forEach((text, i) => {
      // The wire's `rosey.monitoring.*` branch and its builders are contract, not the monitor.
      const scrubbed = text.replace(/monitoring/gi, "");
      if (/router|monitor|cytube/i.test(scrubbed)) problems.push(`${relative(file)}:${i + 1}`);
    });
  }
  assert.deepEqual(problems, [], `application names in core/:\n${problems.join("\n")}`);
});
