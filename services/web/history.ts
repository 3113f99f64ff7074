/**
 * Users and chat lines over time, behind `/api/history/<hours>` and the stats charts. Rosey
 * sampled the user count every 300 s into its database; here each configured channel is
 * (`KnownChannels`) is sampled every `web.historyIntervalSeconds` (connector snapshot: users in chat and connected
 * viewers; stats service: total chat lines) into `.rosey/web/history.json`, 7 days kept.
 */
import { type Logger, silentLogger, type Source } from "@quicksilver/core";
import { z } from "zod";
import type { ChannelQueries } from "./channel_queries.ts";
import { readStateFile, writeStateFile } from "./_state_file.ts";

export const HistorySampleSchema = z.object({
  time: z.number(),
  platform: z.string(),
  channel: z.string(),
  /** Users in the chat (the snapshot's user list). */
  users: z.number().int(),
  /** Connected viewers, anonymous included. */
  viewers: z.number().int(),
  /** The stats service's running total of chat lines (absent when it did not answer). */
  chatLines: z.number().int().optional(),
});
export type HistorySample = z.infer<typeof HistorySampleSchema>;

const HistoryFileSchema = z.object({ samples: z.array(HistorySampleSchema) });
const KEEP_MS = 7 * 24 * 3600_000;

export class History {
  readonly #path: string;
  readonly #queries: ChannelQueries;
  readonly #channels: () => Source[];
  readonly #log: Logger;
  #samples: HistorySample[];
  #timer: ReturnType<typeof setInterval> | undefined;
  #sampling: Promise<void> = Promise.resolve();

  private constructor(
    path: string,
    samples: HistorySample[],
    queries: ChannelQueries,
    channels: () => Source[],
    log: Logger,
  ) {
    this.#path = path;
    this.#samples = samples;
    this.#queries = queries;
    this.#channels = channels;
    this.#log = log;
  }

  static async open(
    dir: string,
    queries: ChannelQueries,
    options: { channels: () => Source[]; intervalMs: number; logger?: Logger },
  ): Promise<History> {
    const path = `${dir}/history.json`;
    const file = await readStateFile(path, HistoryFileSchema, { samples: [] });
    const history = new History(
      path,
      file.samples,
      queries,
      options.channels,
      (options.logger ?? silentLogger).child({ component: "web" }),
    );
    history.#timer = setInterval(() => {
      history.#sampling = history.sample();
    }, options.intervalMs);
    return history;
  }

  /** Samples the newest `hours` hours, oldest first; optionally of one channel. */
  since(hours: number, source?: Source): HistorySample[] {
    const from = Date.now() - hours * 3600_000;
    return this.#samples.filter((s) =>
      s.time >= from &&
      (!source || (s.platform === source.platform && s.channel === source.channel))
    );
  }

  /** Takes one sample of each channel now (also what the timer does). */
  async sample(): Promise<void> {
    const now = Date.now();
    for (const source of this.#channels()) {
      try {
        const snapshot = await this.#queries.snapshot(source);
        const stats = await this.#queries.channelStats(source).catch(() => undefined);
        this.#samples.push({
          time: now,
          ...source,
          users: snapshot.users.length,
          viewers: snapshot.userCount,
          ...(stats?.ok ? { chatLines: stats.stats.totalChatLines } : {}),
        });
      } catch (error) {
        this.#log.debug("history sample skipped", { ...source, error: String(error) });
      }
    }
    this.#samples = this.#samples.filter((s) => s.time >= now - KEEP_MS);
    await writeStateFile(this.#path, { samples: this.#samples });
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#sampling.catch(() => undefined);
  }
}
