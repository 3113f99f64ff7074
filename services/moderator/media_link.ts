/**
 * Media links to CyTube queue requests (`{type, id}`), as Rosey's `lib/media_link.py` parses
 * them: the same table, in the same order (the first match wins, so `youtu.be` is tried before
 * the generic `xx:id`), and the same rules for raw files (https only, known extensions).
 */
import { MediaLinkError } from "./errors.ts";

/** A provider type and id, what CyTube's `queue` frame takes. */
export interface MediaLink {
  type: string;
  id: string;
}

/** Raw file extensions CyTube plays (`fi`); `.json` is a custom manifest (`cm`). */
export const FILE_TYPES = [".mp4", ".flv", ".webm", ".ogg", ".ogv", ".mp3", ".mov", ".m4a"];

type IdOf = (groups: string[], query: URLSearchParams, url: string) => string | undefined;

/** `[pattern, type (or from the match), id]`: Rosey's `URL_TO_LINK`. */
const URL_TO_LINK: [RegExp, string | ((groups: string[]) => string), IdOf][] = [
  [/youtube\.com\/watch\?([^#]+)/, "yt", (_g, q) => q.get("v") ?? undefined],
  [/youtu\.be\/([^?&#]+)/, "yt", (g) => g[0]],
  [/youtube\.com\/playlist\?([^#]+)/, "yp", (_g, q) => q.get("list") ?? undefined],
  [/clips\.twitch\.tv\/([A-Za-z]+)/, "tc", (g) => g[0]],
  [/twitch\.tv\/(?:.*?)\/([cv])\/(\d+)/, "tv", (g) => `${g[0]}${g[1]}`],
  [/twitch\.tv\/videos\/(\d+)/, "tv", (g) => `v${g[0]}`],
  [/twitch\.tv\/([\w-]+)/, "tw", (g) => g[0]],
  [/livestream\.com\/([^?&#]+)/, "li", (g) => g[0]],
  [/ustream\.tv\/([^?&#]+)/, "us", (g) => g[0]],
  [/(?:hitbox|smashcast)\.tv\/([^?&#]+)/, "hb", (g) => g[0]],
  [/vimeo\.com\/([^?&#]+)/, "vi", (g) => g[0]],
  [/dailymotion\.com\/video\/([^?&#_]+)/, "dm", (g) => g[0]],
  [/imgur\.com\/a\/([^?&#]+)/, "im", (g) => g[0]],
  [/soundcloud\.com\/([^?&#]+)/, "sc", (_g, _q, url) => url],
  [/(?:docs|drive)\.google\.com\/file\/d\/([a-zA-Z0-9_-]+)/, "gd", (g) => g[0]],
  [/drive\.google\.com\/open\?id=([a-zA-Z0-9_-]+)/, "gd", (g) => g[0]],
  [/vid\.me\/embedded\/([\w-]+)/, "vm", (g) => g[0]],
  [/vid\.me\/([\w-]+)/, "vm", (g) => g[0]],
  [/(.*\.m3u8)/, "hl", (_g, _q, url) => url],
  [/streamable\.com\/([\w-]+)/, "sb", (g) => g[0]],
  [/^dm:([^?&#_]+)/, "dm", (g) => g[0]],
  [/^fi:(.*)/, "fi", (g) => g[0]],
  [/^cm:(.*)/, "cm", (g) => g[0]],
  [/^([a-z]{2}):([^?&#]+)/, (g) => g[0] ?? "", (g) => g[1]],
];

/**
 * Parses a media link the way Rosey does.
 *
 * @example
 * ```ts
 * import { parseMediaLink } from "./media_link.ts";
 * parseMediaLink("https://youtu.be/dQw4w9WgXcQ"); // { type: "yt", id: "dQw4w9WgXcQ" }
 * ```
 * @throws {MediaLinkError} when the link matches no provider and is not an https file.
 */
export function parseMediaLink(input: string): MediaLink {
  const url = input.trim().replace("feature=player_embedded&", "");
  if (!url) throw new MediaLinkError("no media link given; write e.g. add https://youtu.be/<id>");
  if (/^rtmp:/i.test(url)) return { type: "rt", id: url };
  const query = queryOf(url);
  for (const [pattern, type, idOf] of URL_TO_LINK) {
    const match = pattern.exec(url);
    if (!match) continue;
    const groups = match.slice(1).map((group) => group ?? "");
    const id = idOf(groups, query, url);
    if (!id) {
      throw new MediaLinkError(
        `"${url}" looks like a ${typeof type === "string" ? type : "media"} link but has no ` +
          `media id; paste the full link`,
      );
    }
    return { type: typeof type === "string" ? type : type(groups), id };
  }
  if (/^https:/i.test(url)) {
    const path = pathOf(url);
    const dot = path.lastIndexOf(".");
    const ext = dot > path.lastIndexOf("/") ? path.slice(dot).toLowerCase() : "";
    if (ext === ".json") return { type: "cm", id: url };
    if (FILE_TYPES.includes(ext)) return { type: "fi", id: url };
    throw new MediaLinkError(
      `The file you are attempting to queue does not match the supported file extensions ` +
        `${FILE_TYPES.join(", ")}.`,
    );
  }
  throw new MediaLinkError(
    `"${url}" is not a supported media link. Raw files must begin with "https"; ` +
      `plain http is not supported.`,
  );
}

/** The query string's parameters, schemeless links included (`youtube.com/watch?v=x`). */
function queryOf(url: string): URLSearchParams {
  const start = url.indexOf("?");
  if (start < 0) return new URLSearchParams();
  const end = url.indexOf("#", start);
  return new URLSearchParams(url.slice(start + 1, end < 0 ? undefined : end));
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url.split(/[?#]/)[0] ?? "";
  }
}
