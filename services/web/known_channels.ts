/**
 * The channels the dashboard knows: those the bot was seen in on the bus (a connector's
 * `channel.joined`, or any chat, join or media event), remembered in `.rosey/web/channels.json`
 * so a restarted web service still knows them. The web service reads no other component's
 * config, so this is how it learns that the CyTube connector joined `lobby`.
 */
import type { Source } from "@quicksilver/core";
import { z } from "zod";
import { readStateFile, writeStateFile } from "./_state_file.ts";

const ChannelsFileSchema = z.object({
  channels: z.array(z.object({ platform: z.string(), channel: z.string() })),
});

/** At most this many are remembered (a flood of made-up channels cannot grow the file). */
const KEEP = 50;

export class KnownChannels {
  readonly #path: string;
  #channels: Source[];
  #saving: Promise<void> = Promise.resolve();

  private constructor(path: string, channels: Source[]) {
    this.#path = path;
    this.#channels = channels;
  }

  /** Opens `<dir>/channels.json`, adding `seed` (channels known up front). */
  static async open(dir: string, seed: Source[] = []): Promise<KnownChannels> {
    const path = `${dir}/channels.json`;
    const file = await readStateFile(path, ChannelsFileSchema, { channels: [] });
    const known = new KnownChannels(path, file.channels);
    for (const source of seed) known.add(source);
    await known.#saving;
    return known;
  }

  /** Platform channels first, the local console (`shell`) last: the default is the first. */
  list(): Source[] {
    return [...this.#channels].sort((a, b) =>
      Number(a.platform === "shell") - Number(b.platform === "shell")
    );
  }

  /** Remembers a channel seen on the bus (saved in the background). */
  add(source: Source): void {
    if (
      this.#channels.some((c) => c.platform === source.platform && c.channel === source.channel)
    ) {
      return;
    }
    this.#channels = [...this.#channels, { platform: source.platform, channel: source.channel }]
      .slice(-KEEP);
    const snapshot = { channels: this.#channels };
    this.#saving = this.#saving.then(() => writeStateFile(this.#path, snapshot)).catch(() => {});
  }

  async close(): Promise<void> {
    await this.#saving;
  }
}
