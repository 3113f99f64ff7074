/**
 * The channel as a CyTube client sees it, rebuilt from server frames: users, playlist, what is
 * playing, leader, our own name and rank, options and permissions. Pure: no I/O, no timers,
 * so it can be unit-tested frame by frame and read by the moderator shell (`info`, `users`,
 * `playlist`, `current`).
 *
 * @module
 */

import type {
  ChannelOpts,
  CyUser,
  Media,
  PlaylistItem,
  Profile,
  ServerFrame,
  UserMeta,
} from "./protocol.ts";

/** A user in the channel. */
export interface ChannelUser {
  name: string;
  rank: number;
  afk: boolean;
  muted: boolean;
  /** Shadow-muted; only visible to moderators. */
  smuted: boolean;
  profile: Profile;
  meta: UserMeta;
}

/** What the player shows: the media of the last `changeMedia` and its last known position. */
export interface NowPlaying {
  uid: number | null;
  media: Media;
  currentTime: number;
  paused: boolean;
}

/** Who we are on the server. */
export interface SelfState {
  name: string | null;
  /** -1 anonymous, 0 guest, 1 user, 1.5 leader, 2 mod, 3 admin, 4 owner, 5 founder, 255 site admin. */
  rank: number;
  guest: boolean;
  loggedIn: boolean;
}

/** `setPlaylistMeta`: item count and total duration. */
export interface PlaylistMeta {
  count: number;
  rawTime: number;
  time: string;
}

function toChannelUser(user: CyUser): ChannelUser {
  return {
    name: user.name,
    rank: user.rank,
    afk: user.meta.afk,
    muted: user.meta.muted,
    smuted: user.meta.smuted ?? false,
    profile: user.profile,
    meta: user.meta,
  };
}

// `after` in `queue`/`moveVideo` is a uid, "prepend" or "append"; a numeric string is tolerated
// because the server echoes the moveMedia payload as the client sent it.
function afterUid(after: number | string): number | "prepend" | "append" | undefined {
  if (typeof after === "number") return after;
  if (after === "prepend" || after === "append") return after;
  const n = Number(after);
  return after.trim() !== "" && Number.isInteger(n) ? n : undefined;
}

/**
 * Channel state kept from frames. Call {@linkcode ChannelState.apply} with every parsed frame
 * and {@linkcode ChannelState.reset} when a new connection starts (the join re-sends it all).
 *
 * @example
 * ```ts
 * import { ChannelState } from "./channel_state.ts";
 * const state = new ChannelState();
 * state.apply({ event: "usercount", data: 4 });
 * state.usercount; // 4
 * ```
 */
export class ChannelState {
  #users = new Map<string, ChannelUser>();
  #playlist: PlaylistItem[] = [];
  #currentUid: number | null = null;
  #nowPlaying: NowPlaying | null = null;
  #leader: string | null = null;
  #self: SelfState = { name: null, rank: -1, guest: false, loggedIn: false };
  #usercount = 0;
  #options: ChannelOpts = {};
  #permissions: Record<string, number> = {};
  #voteskip: { count: number; need: number } | null = null;
  #playlistMeta: PlaylistMeta = { count: 0, rawTime: 0, time: "00:00" };
  #playlistLocked = false;

  /** Users in join order (anonymous viewers are not listed; see {@linkcode usercount}). */
  get users(): readonly ChannelUser[] {
    return [...this.#users.values()];
  }

  /** A user by name, case-insensitively. */
  user(name: string): ChannelUser | undefined {
    return this.#users.get(name.toLowerCase());
  }

  get playlist(): readonly PlaylistItem[] {
    return this.#playlist;
  }

  /** Position (0-based) of a playlist item, or -1. */
  indexOf(uid: number): number {
    return this.#playlist.findIndex((item) => item.uid === uid);
  }

  /** The playlist item with this uid. */
  item(uid: number): PlaylistItem | undefined {
    return this.#playlist.find((item) => item.uid === uid);
  }

  /** Uid of the current playlist item (`setCurrent`), or null. */
  get currentUid(): number | null {
    return this.#currentUid;
  }

  /** The current playlist item, if it is on the playlist. */
  get current(): PlaylistItem | undefined {
    return this.#currentUid === null ? undefined : this.item(this.#currentUid);
  }

  get nowPlaying(): Readonly<NowPlaying> | null {
    return this.#nowPlaying;
  }

  /** Name of the leader, or null when the server leads playback. */
  get leader(): string | null {
    return this.#leader;
  }

  get self(): Readonly<SelfState> {
    return this.#self;
  }

  /** Connected sockets, including anonymous viewers. */
  get usercount(): number {
    return this.#usercount;
  }

  get options(): Readonly<ChannelOpts> {
    return this.#options;
  }

  get permissions(): Readonly<Record<string, number>> {
    return this.#permissions;
  }

  get voteskip(): { count: number; need: number } | null {
    return this.#voteskip;
  }

  get playlistMeta(): Readonly<PlaylistMeta> {
    return this.#playlistMeta;
  }

  get playlistLocked(): boolean {
    return this.#playlistLocked;
  }

  /** Total playlist duration in seconds, from the items we hold. */
  get totalSeconds(): number {
    return this.#playlist.reduce((sum, item) => sum + item.media.seconds, 0);
  }

  /** Forgets everything (a new connection; the join sends it all again). */
  reset(): void {
    this.#users.clear();
    this.#playlist = [];
    this.#currentUid = null;
    this.#nowPlaying = null;
    this.#leader = null;
    this.#self = { name: null, rank: -1, guest: false, loggedIn: false };
    this.#usercount = 0;
    this.#options = {};
    this.#permissions = {};
    this.#voteskip = null;
    this.#playlistMeta = { count: 0, rawTime: 0, time: "00:00" };
    this.#playlistLocked = false;
  }

  /** Applies one server frame. Frames that do not change channel state are ignored. */
  apply(frame: ServerFrame): void {
    switch (frame.event) {
      case "rank":
        this.#self = { ...this.#self, rank: frame.data };
        break;
      case "login":
        if (frame.data.success) {
          this.#self = {
            ...this.#self,
            name: frame.data.name,
            guest: frame.data.guest ?? false,
            loggedIn: true,
          };
        }
        break;
      case "userlist":
        this.#users.clear();
        for (const user of frame.data) {
          this.#users.set(user.name.toLowerCase(), toChannelUser(user));
        }
        break;
      case "addUser":
        this.#users.set(frame.data.name.toLowerCase(), toChannelUser(frame.data));
        break;
      case "userLeave":
        this.#users.delete(frame.data.name.toLowerCase());
        break;
      case "setUserRank":
        this.#updateUser(frame.data.name, (user) => ({ ...user, rank: frame.data.rank }));
        break;
      case "setAFK":
        this.#updateUser(frame.data.name, (user) => ({ ...user, afk: frame.data.afk }));
        break;
      case "setUserMeta": {
        const meta = frame.data.meta;
        this.#updateUser(frame.data.name, (user) => ({
          ...user,
          meta,
          afk: meta.afk,
          muted: meta.muted,
          smuted: meta.smuted ?? false,
        }));
        break;
      }
      case "setUserProfile":
        this.#updateUser(frame.data.name, (user) => ({ ...user, profile: frame.data.profile }));
        break;
      case "setLeader":
        this.#leader = frame.data === "" ? null : frame.data;
        break;
      case "usercount":
        this.#usercount = frame.data;
        break;
      case "playlist":
        this.#playlist = [...frame.data];
        if (this.#currentUid !== null && this.indexOf(this.#currentUid) < 0) {
          this.#currentUid = null;
        }
        break;
      case "queue":
        this.#applyQueue(frame.data.item, frame.data.after);
        break;
      case "delete":
        this.#playlist = this.#playlist.filter((item) => item.uid !== frame.data.uid);
        // The server sends setCurrent/changeMedia for the next item if there is one.
        if (this.#currentUid === frame.data.uid) this.#currentUid = null;
        break;
      case "moveVideo":
        this.#applyMove(frame.data.from, frame.data.after);
        break;
      case "setTemp":
        this.#playlist = this.#playlist.map((item) =>
          item.uid === frame.data.uid ? { ...item, temp: frame.data.temp } : item
        );
        break;
      case "setCurrent":
        this.#currentUid = frame.data;
        break;
      case "changeMedia": {
        const { currentTime, paused, ...media } = frame.data;
        this.#nowPlaying = { uid: this.#currentUid, media, currentTime, paused };
        break;
      }
      case "mediaUpdate":
        if (this.#nowPlaying !== null) {
          this.#nowPlaying = {
            ...this.#nowPlaying,
            currentTime: frame.data.currentTime,
            paused: frame.data.paused,
          };
        }
        break;
      case "setPlaylistMeta":
        this.#playlistMeta = { ...frame.data };
        break;
      case "setPlaylistLocked":
        this.#playlistLocked = frame.data;
        break;
      case "voteskip":
        this.#voteskip = { count: frame.data.count, need: frame.data.need };
        break;
      case "channelOpts":
        this.#options = frame.data;
        break;
      case "setPermissions":
        this.#permissions = frame.data;
        break;
      default:
        break;
    }
  }

  #updateUser(name: string, update: (user: ChannelUser) => ChannelUser): void {
    const key = name.toLowerCase();
    const user = this.#users.get(key);
    if (user !== undefined) this.#users.set(key, update(user));
    if (this.#self.name !== null && key === this.#self.name.toLowerCase()) {
      // Our own rank also arrives as a `rank` frame; keep both views consistent.
      const updated = this.#users.get(key);
      if (updated !== undefined) this.#self = { ...this.#self, rank: updated.rank };
    }
  }

  #insertAfter(item: PlaylistItem, after: number | "prepend" | "append" | undefined): void {
    if (after === "prepend") {
      this.#playlist.unshift(item);
      return;
    }
    const index = typeof after === "number" ? this.indexOf(after) : -1;
    // Unknown `after` (we missed a frame): appending keeps the item visible; the next full
    // `playlist` frame corrects the order.
    if (index < 0) this.#playlist.push(item);
    else this.#playlist.splice(index + 1, 0, item);
  }

  #applyQueue(item: PlaylistItem, after: number | string): void {
    this.#playlist = this.#playlist.filter((other) => other.uid !== item.uid);
    this.#insertAfter(item, afterUid(after));
  }

  #applyMove(from: number, after: number | string): void {
    const index = this.indexOf(from);
    const item = this.#playlist[index];
    if (item === undefined) return;
    const target = afterUid(after);
    if (target === from) return;
    this.#playlist.splice(index, 1);
    this.#insertAfter(item, target);
  }
}
