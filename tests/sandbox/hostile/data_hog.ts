/**
 * Hostile: fills its data dir, which shares the disk with the JetStream store and the logs.
 * `!hog bytes` writes one file twice its byte quota; `!hog files` keeps creating small files
 * until a write fails (or 5 s pass). Each answers with the error it saw, as a plugin would.
 */
import { definePlugin } from "@quicksilver/sdk";

async function bytes(): Promise<string> {
  try {
    await Deno.writeFile("big.bin", new Uint8Array(2 * 1048576));
    return "wrote 2 MiB";
  } catch (error) {
    return `refused: ${String(error)}`;
  }
}

async function files(): Promise<string> {
  const deadline = Date.now() + 5000;
  let i = 0;
  try {
    while (Date.now() < deadline) {
      await Deno.writeTextFile(`f${i}.txt`, "x".repeat(100));
      i++;
      if (i % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    return `wrote ${i} files`;
  } catch (error) {
    return `refused after ${i} files: ${String(error)}`;
  }
}

export default definePlugin({
  name: "data_hog",
  version: "0.0.1",
  commands: {
    hog: { handler: (ctx) => ctx.args[0] === "bytes" ? bytes() : files() },
  },
});
