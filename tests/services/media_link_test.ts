import assert from "node:assert/strict";
import { MediaLinkError, parseMediaLink } from "../../services/moderator/mod.ts";

/** Every CyTube type Rosey's `lib/media_link.py` recognises, in its table's order. */
const CASES: [string, string, string][] = [
  ["https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=3", "yt", "dQw4w9WgXcQ"],
  ["youtube.com/watch?feature=player_embedded&v=dQw4w9WgXcQ", "yt", "dQw4w9WgXcQ"],
  ["https://youtu.be/dQw4w9WgXcQ?t=1", "yt", "dQw4w9WgXcQ"],
  ["https://www.youtube.com/playlist?list=PL123abc", "yp", "PL123abc"],
  ["https://clips.twitch.tv/FunnyClipName", "tc", "FunnyClipName"],
  ["https://www.twitch.tv/somechannel/v/12345", "tv", "v12345"],
  ["https://www.twitch.tv/videos/987654", "tv", "v987654"],
  ["https://twitch.tv/some_channel", "tw", "some_channel"],
  ["https://livestream.com/accounts/1/events/2", "li", "accounts/1/events/2"],
  ["http://www.ustream.tv/channel/nasa", "us", "channel/nasa"],
  ["https://www.smashcast.tv/someone", "hb", "someone"],
  ["https://vimeo.com/76979871", "vi", "76979871"],
  ["https://www.dailymotion.com/video/x7tgad0_title", "dm", "x7tgad0"],
  ["https://imgur.com/a/AbCdE", "im", "AbCdE"],
  ["https://soundcloud.com/artist/track", "sc", "https://soundcloud.com/artist/track"],
  ["https://drive.google.com/file/d/1AbC_d-E/view", "gd", "1AbC_d-E"],
  ["https://drive.google.com/open?id=1AbC_d-E", "gd", "1AbC_d-E"],
  ["https://vid.me/embedded/abc1", "vm", "abc1"],
  ["https://vid.me/abc2", "vm", "abc2"],
  ["https://cdn.example.com/live/stream.m3u8", "hl", "https://cdn.example.com/live/stream.m3u8"],
  ["https://streamable.com/moo42", "sb", "moo42"],
  ["dm:x7tgad0", "dm", "x7tgad0"],
  ["fi:https://example.com/a.mp4", "fi", "https://example.com/a.mp4"],
  ["cm:https://example.com/manifest.json", "cm", "https://example.com/manifest.json"],
  ["yt:dQw4w9WgXcQ", "yt", "dQw4w9WgXcQ"],
  ["rv:some-id", "rv", "some-id"],
  ["https://example.com/media/video.webm", "fi", "https://example.com/media/video.webm"],
  ["https://example.com/custom.json", "cm", "https://example.com/custom.json"],
  ["rtmp://live.example.com/app/key", "rt", "rtmp://live.example.com/app/key"],
];

Deno.test("media links of every CyTube type parse into queue requests as Rosey's did", () => {
  for (const [url, type, id] of CASES) {
    assert.deepEqual(parseMediaLink(url), { type, id }, url);
  }
});

Deno.test("an unsupported media link is refused with a reason", () => {
  for (
    const [url, why] of [
      ["http://example.com/video.mp4", /https/],
      ["https://example.com/page.html", /supported file extensions/],
      ["https://www.youtube.com/watch?list=x", /no media id/],
      ["", /no media link/],
    ] as const
  ) {
    assert.throws(
      () => parseMediaLink(url),
      (e) => e instanceof MediaLinkError && why.test(e.message),
    );
  }
});
