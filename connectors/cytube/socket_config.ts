/**
 * Server discovery: CyTube tells each channel which socket.io server to use
 * (`GET <base>/socketconfig/<channel>.json`, `src/web/routes/socketconfig.js`); a partitioned
 * site hashes channels onto different servers, so the bot must ask instead of assuming.
 *
 * @module
 */

import { z } from "zod";
import { InvalidChannelNameError, SocketConfigError } from "./errors.ts";

/** CyTube's channel-name rule (`src/utilities.js` isValidChannelName). */
export const CHANNEL_NAME_PATTERN: RegExp = /^[\w-]{1,30}$/;

/** Returns the name unchanged if CyTube would accept it, else throws InvalidChannelNameError. */
export function validateChannelName(channel: string): string {
  if (!CHANNEL_NAME_PATTERN.test(channel)) throw new InvalidChannelNameError(channel);
  return channel;
}

/** One socket.io server offered for the channel. */
export const SocketServerSchema = z.looseObject({
  url: z.string().min(1),
  secure: z.boolean().default(false),
  ipv6: z.boolean().optional(),
  ipv6Only: z.boolean().optional(),
});
export type SocketServer = z.infer<typeof SocketServerSchema>;

/** The discovery reply; `error` is set instead of `servers` when the server refuses. */
export const SocketConfigSchema = z.looseObject({
  servers: z.array(SocketServerSchema).optional(),
  alt: z.array(SocketServerSchema).optional(),
  error: z.string().optional(),
});
export type SocketConfig = z.infer<typeof SocketConfigSchema>;

/** Options for {@linkcode discoverSocketServer}. */
export interface DiscoverOptions {
  signal?: AbortSignal;
  /** Gives up after this long (default 10 s). */
  timeoutMs?: number;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** Builds `<base>/socketconfig/<channel>.json`, tolerating a trailing slash on the base. */
export function socketConfigUrl(baseUrl: string, channel: string): string {
  validateChannelName(channel);
  return `${baseUrl.replace(/\/+$/, "")}/socketconfig/${channel}.json`;
}

function isIpv6Only(server: SocketServer): boolean {
  return server.ipv6Only === true || server.ipv6 === true;
}

/**
 * Picks a server the way CyTube's web client does (`www/js/callbacks.js` ioServerConnect):
 * a `secure` one first, then one that is not IPv6-only; ties keep the listed order.
 */
export function pickSocketServer(servers: readonly SocketServer[]): SocketServer | undefined {
  const score = (server: SocketServer) => (server.secure ? 2 : 0) + (isIpv6Only(server) ? 0 : 1);
  let best: SocketServer | undefined;
  for (const server of servers) {
    if (best === undefined || score(server) > score(best)) best = server;
  }
  return best;
}

/**
 * Asks the CyTube site which socket.io server hosts `channel` and returns the chosen one.
 *
 * @example
 * ```ts ignore
 * import { discoverSocketServer } from "./socket_config.ts";
 * const server = await discoverSocketServer("https://cytu.be", "my_channel");
 * server.url; // e.g. "https://cytu.be:10443"
 * ```
 */
export async function discoverSocketServer(
  baseUrl: string,
  channel: string,
  options: DiscoverOptions = {},
): Promise<SocketServer> {
  const url = socketConfigUrl(baseUrl, channel);
  const doFetch = options.fetch ?? fetch;
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await doFetch(url, { signal, headers: { accept: "application/json" } });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new SocketConfigError(url, `request failed (${String(error)})`, { cause: error });
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    throw new SocketConfigError(url, `HTTP ${response.status} with a body that is not JSON`, {
      cause: error,
    });
  }
  const parsed = SocketConfigSchema.safeParse(body);
  if (!parsed.success) {
    throw new SocketConfigError(
      url,
      `unexpected reply shape (${parsed.error.issues[0]?.message})`,
      {
        cause: parsed.error,
      },
    );
  }
  if (!response.ok || parsed.data.error !== undefined) {
    throw new SocketConfigError(
      url,
      `HTTP ${response.status}${parsed.data.error ? `: ${parsed.data.error}` : ""}`,
    );
  }
  const server = pickSocketServer(parsed.data.servers ?? []);
  if (server === undefined) throw new SocketConfigError(url, "the reply lists no servers");
  return server;
}
