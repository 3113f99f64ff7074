/**
 * The NATS servers a plugin host's plugins may dial: every server of the host's `nats.servers`,
 * as IP-literal `host:port`s. Each goes into the plugin's `--allow-net` and its connect options,
 * so that when the node it is connected to dies, it reconnects to another by itself (nats.js
 * walks the list), with no restart and no denied dial.
 *
 * IP literals only: Deno's net permission on `host:port` does not cover the name lookup a
 * hostname needs (`getaddrinfo EPERM`), and granting the bare host would allow every port of it
 * (NOTES-SANDBOX §1).
 */
import { PluginManagerError } from "./errors.ts";

/** At most this many (the runner's launch config takes no more). */
export const MAX_PLUGIN_SERVERS = 32;

/** `a.b.c.d:port`, after an optional `nats://` or `tls://` scheme. */
const IPV4_HOST_PORT = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d{1,5})$/;

/**
 * The plugin dial list from the configured servers: scheme removed, duplicates dropped, order
 * kept (the first is where plugins connect first: list the plugin host's nearest node first).
 * Throws {@linkcode PluginManagerError} naming the first entry that is not an IP-literal
 * `host:port` (its index in the list), or when the list is empty.
 *
 * @example
 * ```ts
 * import { pluginServerAddresses } from "./plugin_servers.ts";
 * pluginServerAddresses(["tls://10.0.0.1:4222", "10.0.0.2:4222"]); // ["10.0.0.1:4222", "10.0.0.2:4222"]
 * ```
 */
export function pluginServerAddresses(servers: string | readonly string[]): string[] {
  const list = typeof servers === "string" ? servers.split(",") : [...servers];
  const out: string[] = [];
  for (const [index, raw] of list.entries()) {
    const address = raw.trim().replace(/^(nats|tls):\/\//, "");
    const match = IPV4_HOST_PORT.exec(address);
    const valid = match !== null &&
      match.slice(1, 5).every((octet) => Number(octet) <= 255) &&
      Number(match[5]) > 0 && Number(match[5]) <= 65_535;
    if (!valid) {
      throw new PluginManagerError(
        `servers[${index}] "${raw}" is not an IP literal host:port such as 127.0.0.1:4222: ` +
          `sandboxed plugins get --allow-net for exactly each server, and a hostname needs a ` +
          `name lookup they may not make; write the node's IP address`,
      );
    }
    if (!out.includes(address)) out.push(address);
  }
  if (out.length === 0) {
    throw new PluginManagerError("servers is empty: give at least one NATS server host:port");
  }
  if (out.length > MAX_PLUGIN_SERVERS) {
    throw new PluginManagerError(
      `servers lists ${out.length} servers; plugins take at most ${MAX_PLUGIN_SERVERS}: list ` +
        `the nodes of the plugin host's cluster only`,
    );
  }
  return out;
}
