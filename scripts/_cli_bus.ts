/**
 * The bus a command-line tool (`deno task status`, `deno task plugins`) asks the running bot
 * with: a short-lived user minted from the installation's authority, allowed to publish to one
 * admin subject and to read its own replies. Exits with a plain message when NATS is not there.
 */
import { EventBus, loadOrCreateAuthority, mintUser } from "../core/mod.ts";

export interface CliBusOptions {
  /** The NATS identity, also the inbox prefix: `cli-status`. */
  name: string;
  server: string;
  /** Where the installation's authority lives (`.rosey`). */
  stateDir: string;
  /** The one subject the tool may publish to (its request). */
  publish: string;
  expiresInSeconds: number;
}

export async function connectCliBus(options: CliBusOptions): Promise<EventBus> {
  const authority = await loadOrCreateAuthority(options.stateDir);
  const user = await mintUser(authority, {
    name: options.name,
    permissions: {
      publish: { allow: [options.publish] },
      subscribe: { allow: [`_INBOX.${options.name}.>`] },
    },
    expiresInSeconds: options.expiresInSeconds,
  });
  return await EventBus.connect({
    servers: options.server,
    name: options.name,
    creds: user.creds,
    waitOnFirstConnect: false,
    connectTimeoutMs: 3000,
  }).catch((error) => {
    console.error(
      `cannot reach NATS at ${options.server}: ${error.message}. Is \`deno task dev\` running?`,
    );
    return Deno.exit(1);
  });
}
