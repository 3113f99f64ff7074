/**
 * `deno task auth plugin-host-key [--out <file>] [--servers <url,...>] [--ca <pem>] [--home <dir>]`:
 * creates (or rotates) the account's `plugin` scoped signing key, pushes the account JWT that
 * carries it to the running servers' full resolver, and writes the key (mode 0600, default
 * `.rosey/creds/plugin-host.nk`) for a plugin host on another machine
 * (`nats.credentials.plugin-signing-key` there). See docs/SCALING.md.
 *
 * `deno task auth creds <component> [--out <file>] [--days <n>] [--home <dir>]`: writes the
 * `.creds` file (user JWT + seed, mode 0600) of one component's NATS user, minted from this
 * installation's authority (`.rosey/auth`) with exactly its role's rights, for a component that
 * runs on another machine (`nats.credentials.<component>` there; docs/SCALING.md). Default
 * output `.rosey/creds/<component>.creds`, valid 365 days. Components: see `--help`.
 */
import { parseArgs } from "node:util";
import {
  authorityPaths,
  loadOrCreateAuthority,
  mintUser,
  scopedKeyFileText,
} from "@quicksilver/core";
import { installPluginSigningKey } from "@quicksilver/sandbox";
import { REPO_ROOT } from "@quicksilver/testbed";
import { credentialRoles } from "./_assembly.ts";

const roles = credentialRoles();
const USAGE = "usage: deno task auth creds <component> [--out <file>] [--days <n>] " +
  `[--home <dir>]\ncomponents: ${[...roles.keys()].join(", ")}\n` +
  "       deno task auth plugin-host-key [--out <file>] [--servers <url,...>] [--ca <pem>] " +
  "[--home <dir>]";

const { values: flags, positionals } = parseArgs({
  args: Deno.args,
  options: {
    out: { type: "string" },
    days: { type: "string", default: "365" },
    home: { type: "string" },
    servers: { type: "string" },
    ca: { type: "string" },
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
const home = flags.home ? await Deno.realPath(flags.home) : REPO_ROOT;
const stateDir = `${home}/.rosey`;
if (command === "plugin-host-key" && !name) {
  await pluginHostKey();
  Deno.exit(0);
}
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
await requireAuthority();
const authority = await loadOrCreateAuthority(stateDir);
const user = await mintUser(authority, { ...role(), expiresInSeconds: days * 24 * 60 * 60 });
const out = flags.out ?? `${stateDir}/creds/${name}.creds`;
await writeSecret(out, user.creds);
console.error(
  `wrote ${out}: NATS user ${user.name} (${user.publicKey}), valid ${days} days. Copy it to the ` +
    `machine that runs ${name} and name it in nats.credentials.${name} there.`,
);

async function requireAuthority(): Promise<void> {
  try {
    await Deno.stat(authorityPaths(stateDir).secrets);
  } catch {
    console.error(
      `${authorityPaths(stateDir).secrets} does not exist: run this on the machine that holds ` +
        `the installation's keys (where deno task nats, dev or cluster ran first)`,
    );
    Deno.exit(2);
  }
}

/** Writes a secret file, mode 0600 (its folder 0700 if new). */
async function writeSecret(path: string, text: string): Promise<void> {
  await Deno.mkdir(path.slice(0, Math.max(path.lastIndexOf("/"), 1)), {
    recursive: true,
    mode: 0o700,
  });
  await Deno.writeTextFile(path, text, { mode: 0o600 });
  await Deno.chmod(path, 0o600);
}

/**
 * `plugin-host-key`: a new `plugin` signing key in the account JWT (replacing the previous one:
 * its users can no longer connect), pushed to the servers, written to `--out`.
 */
async function pluginHostKey(): Promise<void> {
  await requireAuthority();
  const authority = await loadOrCreateAuthority(stateDir);
  const servers = (flags.servers ?? Deno.env.get("ROSEY_NATS_SERVERS") ?? "127.0.0.1:4222")
    .split(",").map((s) => s.trim());
  const ca = flags.ca ?? Deno.env.get("ROSEY_NATS_TLS_CA");
  let key;
  try {
    key = await installPluginSigningKey({
      authority,
      servers,
      ...(ca ? { tls: { ca } } : {}),
    });
  } catch (error) {
    console.error(
      `deno task auth plugin-host-key: ${(error as Error).message}\n` +
        `The servers (${servers}) must be running (deno task nats or deno task cluster); ` +
        `give --servers and, for TLS, --ca <ca.pem>.`,
    );
    Deno.exit(1);
  }
  const out = flags.out ?? `${stateDir}/creds/plugin-host.nk`;
  await writeSecret(out, scopedKeyFileText(key));
  console.error(
    `wrote ${out}: the plugin signing key ${key.keyPair.getPublicKey()} of account ` +
      `${key.accountPublicKey}, now in the account JWT on ${servers} (any earlier plugin key is ` +
      `retired). Copy it to the plugin host, name it in nats.credentials.plugin-signing-key ` +
      `there, and give that host deno task auth creds plugins.`,
  );
}
