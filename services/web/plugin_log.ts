/**
 * A plugin's recent log lines for its page: read from the end of the bot's own log
 * (`rosey.log`, JSON lines; every line the manager writes about a plugin, its output included,
 * carries `"plugin": "<name>"`). Only the last 512 KiB are read, so a big log costs nothing.
 */

const TAIL_BYTES = 512 * 1024;

export interface PluginLogLine {
  time: string;
  level: string;
  msg: string;
  /** The plugin's own text, for `plugin output` lines. */
  line?: string;
}

/** The newest `limit` lines about `plugin` in `logFile`, oldest first; [] without a file. */
export async function pluginLogLines(
  logFile: string,
  plugin: string,
  limit = 50,
): Promise<PluginLogLine[]> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(logFile, { read: true });
  } catch {
    return [];
  }
  try {
    const size = (await file.stat()).size;
    const start = Math.max(0, size - TAIL_BYTES);
    await file.seek(start, Deno.SeekMode.Start);
    const buffer = new Uint8Array(size - start);
    let read = 0;
    while (read < buffer.length) {
      const n = await file.read(buffer.subarray(read));
      if (n === null) break;
      read += n;
    }
    const lines = new TextDecoder().decode(buffer.subarray(0, read)).split("\n");
    if (start > 0) lines.shift(); // cut in the middle
    const found: PluginLogLine[] = [];
    for (const text of lines) {
      if (!text.includes(`"plugin":${JSON.stringify(plugin)}`)) continue;
      try {
        const entry = JSON.parse(text) as Record<string, unknown>;
        if (entry.plugin !== plugin) continue;
        found.push({
          time: String(entry.time ?? ""),
          level: String(entry.level ?? ""),
          msg: String(entry.msg ?? ""),
          ...(entry.line !== undefined
            ? { line: typeof entry.line === "string" ? entry.line : JSON.stringify(entry.line) }
            : {}),
        });
      } catch {
        // A line cut by rotation: skip it.
      }
    }
    return found.slice(-limit);
  } finally {
    file.close();
  }
}
