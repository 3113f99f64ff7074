/**
 * A stock CyTube channel's permissions and options, as the fake starts them.
 *
 * @module
 */

/** Default permissions (`src/channel/permissions.js`). */
export const DEFAULT_PERMISSIONS: Readonly<Record<string, number>> = {
  seeplaylist: -1,
  playlistadd: 1.5,
  playlistnext: 1.5,
  playlistmove: 1.5,
  playlistdelete: 2,
  playlistjump: 1.5,
  playlistshuffle: 2,
  playlistclear: 2,
  settemp: 2,
  oplaylistadd: -1,
  leaderctl: 2,
  kick: 1.5,
  ban: 2,
  mute: 1.5,
  chat: 0,
  chatclear: 2,
  pollctl: 1.5,
  voteskip: -1,
  viewvoteskip: 1.5,
};

/** Default channel options (`src/channel/opts.js`). */
export const DEFAULT_CHANNEL_OPTS: Readonly<Record<string, unknown>> = {
  allow_voteskip: true,
  voteskip_ratio: 0.5,
  afk_timeout: 600,
  pagetitle: "fake",
  maxlength: 0,
  externalcss: "",
  externaljs: "",
  chat_antiflood: false,
  chat_antiflood_params: { burst: 4, sustained: 1, cooldown: 4 },
  show_public: false,
  enable_link_regex: true,
  password: false,
  allow_dupes: false,
  torbanned: false,
  block_anonymous_users: false,
  allow_ascii_control: false,
  playlist_max_per_user: 0,
  new_user_chat_delay: 0,
  new_user_chat_link_delay: 0,
  playlist_max_duration_per_user: 0,
};
