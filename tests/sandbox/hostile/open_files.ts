/** Hostile: opens files until the open-files limit refuses (EMFILE), and holds them. */
import { definePlugin } from "@quicksilver/sdk";

const held: Deno.FsFile[] = [];

export default definePlugin({
  name: "open_files",
  version: "0.0.1",
  async setup() {
    await Deno.writeTextFile("hog.txt", "x");
    try {
      for (let i = 0; i < 100_000; i++) held.push(await Deno.open("hog.txt"));
    } catch {
      // EMFILE: hidden; the files stay open
    }
  },
});
