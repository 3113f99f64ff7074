/**
 * Shared helpers for the CyTube connector tests: a client wired to a fake server with fast
 * test timings, and event waits with deadlines.
 *
 * @module
 */

import {
  CytubeClient,
  type CytubeClientEvents,
  type CytubeClientOptions,
} from "../../connectors/cytube/mod.ts";
import type { FakeCytube } from "../fake_cytube/mod.ts";

/** A client for `fake` with test timings (reconnect after 20 ms instead of 10 s). */
export function clientFor(
  fake: FakeCytube,
  overrides: Partial<CytubeClientOptions> = {},
): CytubeClient {
  return new CytubeClient({
    baseUrl: fake.url,
    channel: fake.channel,
    user: { name: "bot" },
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    ...overrides,
  });
}

/**
 * Resolves with the next `event` whose payload matches; rejects after `timeoutMs`. Call it
 * before triggering what you wait for.
 */
export function nextEvent<K extends keyof CytubeClientEvents>(
  client: CytubeClient,
  event: K,
  predicate: (payload: CytubeClientEvents[K]) => boolean = () => true,
  timeoutMs = 5000,
): Promise<CytubeClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for client event "${event}"`));
    }, timeoutMs);
    const unsubscribe = client.on(event, (payload) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(payload);
    });
  });
}

/** Records every payload of `event` from now on. */
export function collect<K extends keyof CytubeClientEvents>(
  client: CytubeClient,
  event: K,
): CytubeClientEvents[K][] {
  const items: CytubeClientEvents[K][] = [];
  client.on(event, (payload) => {
    items.push(payload);
  });
  return items;
}
