/**
 * `deno task auth creds <component> [--out <file>] [--days <n>] [--home <dir>]`: writes the
 * `.creds` file (user JWT + seed, mode 0600) of one component's NATS user, minted from this
 * installation's authority (`.rosey/auth`) with exactly its role's rights, for a component that
 * runs on another machine (`nats.credentials.<component>` there; docs/SCALING.md). Default
 * output `.rosey/creds/<component>.creds`, valid 365 days. Components: see `--help`.
 */
import { parseArgs } from "node:util";
import { authorityPaths, loadOrCreateAuthority, mintUser } from "@quicksilver/core";
import { REPO_ROOT } from "@quicksilver/testbed";
import { credentialRoles } from "./_assembly.ts";

const roles = credentialRoles();
const USAGE = "usage: deno task auth creds <component> [--out <file>] [--days <n>] " +
  `[--home <dir>]\ncomponents: ${[...roles.keys()].join(", ")}`;

const { values: flags, positionals } = parseArgs({
  args: Deno.args,
  options: {
    out: { type: "string" },
    days: { type: "string", default: "365" },
    home: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
  allowPositionals: true,
  strict: true,
});
if (flags.help) {
  console.log(USAGE);
  Deno.exit(0);
}
const [command, name, ...rest] = positionals;
const role = name ? roles.get(name) : undefined;
if (command !== "creds" || !role || rest.length > 0) {
  console.error(
    `${name && !role ? `no component "${name}" to make credentials for\n` : ""}${USAGE}`,
  );
  Deno.exit(2);
}
const days = Number(flags.days);
if (!Number.isInteger(days) || days < 1 || days > 3650) {
  console.error(`--days "${flags.days}": give whole days from 1 to 3650`);
  Deno.exit(2);
}
const home = flags.home ? await Deno.realPath(flags.home) : REPO_ROOT;
const stateDir = `${home}/.rosey`;
try {
  await Deno.stat(authorityPaths(stateDir).secrets);
} catch {
  console.error(
    `${authorityPaths(stateDir).secrets} does not exist: run this on the machine that holds the ` +
      `installation's keys (where deno task nats, dev or cluster ran first)`,
  );
  Deno.exit(2);
}
const authority = await loadOrCreateAuthority(stateDir);
const user = await mintUser(authority, { ...role(), expiresInSeconds: days * 24 * 60 * 60 });
const out = flags.out ?? `${stateDir}/creds/${name}.creds`;
await Deno.mkdir(out.slice(0, Math.max(out.lastIndexOf("/"), 1)), {
  recursive: true,
  mode: 0o700,
});
await Deno.writeTextFile(out, user.creds, { mode: 0o600 });
await Deno.chmod(out, 0o600);
console.error(
  `wrote ${out}: NATS user ${user.name} (${user.publicKey}), valid ${days} days. Copy it to the ` +
    `machine that runs ${name} and name it in nats.credentials.${name} there.`,
);
