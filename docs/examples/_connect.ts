/**
 * How the examples find a server and an identity, so each can run against `deno task nats` (or
 * `deno task dev`) with no setup, and against any other server with two variables:
 *
 * - `NATS_URL`: the server, default `127.0.0.1:4222` (an IP literal: see docs/NATS-SETUP.md);
 * - `NATS_CREDS`: a `.creds` file to connect with; without it, the example mints a user of its
 *   own from the installation's authority in `ROSEY_STATE_DIR` (default `.rosey`), as core
 *   services do. Minting needs that directory, so it only works on the server's machine.
 */
import {
  authorityPaths,
  EventBus,
  loadOrCreateAuthority,
  mintUser,
  type SubjectPermissions,
} from "@quicksilver/core";

export const NATS_URL = Deno.env.get("NATS_URL") ?? "127.0.0.1:4222";
const STATE_DIR = Deno.env.get("ROSEY_STATE_DIR") ?? ".rosey";

/** Everything, for examples that only show the API. Services get far less (service_roles.ts). */
const ALL: SubjectPermissions = { publish: { allow: [">"] }, subscribe: { allow: [">"] } };

/** Connects as `name`: with `NATS_CREDS` if set, else as a freshly minted user. */
export async function connectExample(
  name: string,
  permissions: SubjectPermissions = ALL,
): Promise<EventBus> {
  const credsFile = Deno.env.get("NATS_CREDS");
  const creds = credsFile
    ? await Deno.readTextFile(credsFile)
    : (await mintUser(await localAuthority(), { name, permissions })).creds;
  return await EventBus.connect({
    servers: NATS_URL,
    name,
    creds,
    // An example should fail fast, not wait forever for a server that is not there.
    connectTimeoutMs: 5000,
  });
}

/** The installation's authority; never created here (that is the server's job). */
export async function localAuthority() {
  try {
    await Deno.stat(authorityPaths(STATE_DIR).secrets);
  } catch {
    throw new Error(
      `no NATS authority in ${STATE_DIR}/auth: start the server once (\`deno task nats\`), ` +
        `set ROSEY_STATE_DIR to its state dir, or set NATS_CREDS to a .creds file`,
    );
  }
  return await loadOrCreateAuthority(STATE_DIR);
}
