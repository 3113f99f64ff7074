/**
 * The fake server's playlist, following `src/channel/playlist.js`: each operation returns the
 * frames the real server would broadcast, in its order.
 *
 * @module
 */

/** A media item as the server packs it. */
export interface FakeMedia {
  id: string;
  title: string;
  seconds: number;
  duration: string;
  type: string;
  meta: Record<string, unknown>;
}

/** A playlist entry as the server packs it. */
export interface FakeItem {
  uid: number;
  media: FakeMedia;
  temp: boolean;
  queueby: string;
}

/** One broadcast: event name and payload (undefined: no payload). */
export type Frame = readonly [event: string, payload?: unknown];

/** `util.formatTime`: "mm:ss" or "hh:mm:ss". */
export function formatTime(totalSeconds: number): string {
  let sec = Math.floor(totalSeconds);
  const pad = (n: number) => String(n).padStart(2, "0");
  let h = "";
  if (sec >= 3600) {
    h = pad(Math.floor(sec / 3600));
    sec %= 3600;
  }
  const ms = `${pad(Math.floor(sec / 60))}:${pad(sec % 60)}`;
  return h === "" ? ms : `${h}:${ms}`;
}

/** Builds a media object; titles are cut to 100 characters like `src/media.js`. */
export function makeMedia(
  spec: { id: string; type?: string; title?: string; seconds?: number },
): FakeMedia {
  const seconds = spec.seconds ?? 60;
  return {
    id: spec.id,
    title: (spec.title ?? `Media ${spec.type ?? "yt"}:${spec.id}`).slice(0, 100),
    seconds,
    duration: formatTime(seconds),
    type: spec.type ?? "yt",
    meta: {},
  };
}

export class FakePlaylist {
  items: FakeItem[] = [];
  currentUid: number | null = null;
  currentTime = 0;
  paused = false;
  #nextUid = 0;

  get current(): FakeItem | undefined {
    return this.items.find((item) => item.uid === this.currentUid);
  }

  meta(): { count: number; rawTime: number; time: string } {
    const rawTime = this.items.reduce((sum, item) => sum + item.media.seconds, 0);
    return { count: this.items.length, rawTime, time: formatTime(rawTime) };
  }

  #index(uid: unknown): number {
    return this.items.findIndex((item) => item.uid === uid);
  }

  /** `setCurrent` + `changeMedia` for the current item (the server's startPlayback). */
  startPlayback(): Frame[] {
    const current = this.current;
    if (current === undefined) return [];
    this.currentTime = 0;
    this.paused = false;
    return [
      ["setCurrent", current.uid],
      ["changeMedia", { ...current.media, currentTime: this.currentTime, paused: this.paused }],
    ];
  }

  /** What a joining user gets from the playlist module. */
  joinFrames(): Frame[] {
    const frames: Frame[] = [["setPlaylistMeta", this.meta()], ["playlist", this.items]];
    const current = this.current;
    if (current !== undefined) {
      frames.push(["setCurrent", current.uid]);
      frames.push(["changeMedia", {
        ...current.media,
        currentTime: this.currentTime,
        paused: this.paused,
      }]);
    }
    return frames;
  }

  /** `_addItem`: returns the frames, or the queueFail message. */
  add(
    media: FakeMedia,
    options: { pos: "next" | "end"; temp: boolean; queueby: string },
  ): { frames: Frame[] } | { fail: string } {
    const existing = this.items.find((item) => item.media.id === media.id);
    if (existing && (options.pos === "end" || existing === this.current)) {
      return { fail: "This item is already on the playlist" };
    }
    const item: FakeItem = {
      uid: this.#nextUid++,
      media,
      temp: options.temp,
      queueby: options.queueby,
    };
    const frames: Frame[] = [];
    const currentIndex = this.#index(this.currentUid);
    if (options.pos === "end" || currentIndex < 0) {
      this.items.push(item);
    } else {
      this.items.splice(currentIndex + 1, 0, item);
      // Queueing "next" something already listed moves it: the old entry goes first.
      if (existing) {
        item.temp = existing.temp;
        frames.push(...this.delete(existing.uid));
      }
    }
    const position = this.#index(item.uid);
    const prev = this.items[position - 1];
    frames.push(["queue", { item, after: prev ? prev.uid : "prepend" }]);
    frames.push(["setPlaylistMeta", this.meta()]);
    if (this.items.length === 1) {
      this.currentUid = item.uid;
      frames.push(...this.startPlayback());
    }
    return { frames };
  }

  /** `_delete`: removes the item; when it was current, the next one starts. */
  delete(uid: number): Frame[] {
    const index = this.#index(uid);
    const item = this.items[index];
    if (item === undefined) return [];
    const next = this.items[index + 1] ?? this.items[0];
    this.items.splice(index, 1);
    const frames: Frame[] = [["delete", { uid }], ["setPlaylistMeta", this.meta()]];
    if (this.currentUid === uid) {
      if (next === undefined || next === item) {
        this.currentUid = null;
      } else {
        this.currentUid = next.uid;
        frames.push(...this.startPlayback());
      }
    }
    return frames;
  }

  /** `handleMoveMedia`: `after` is a uid, "prepend" or "append". */
  move(from: number, after: number | string): Frame[] {
    const index = this.#index(from);
    const item = this.items[index];
    if (item === undefined || after === from) return [];
    if (typeof after === "number" && this.#index(after) < 0) return [];
    if (typeof after === "string" && after !== "prepend" && after !== "append") return [];
    this.items.splice(index, 1);
    if (after === "prepend") this.items.unshift(item);
    else if (after === "append") this.items.push(item);
    else this.items.splice(this.#index(after) + 1, 0, item);
    return [["moveVideo", { from, after }]];
  }

  /** `handleJumpTo`: a temporary item that was playing is deleted. */
  jumpTo(uid: number): Frame[] {
    const to = this.items.find((item) => item.uid === uid);
    if (to === undefined) return [];
    const old = this.current;
    this.currentUid = to.uid;
    const frames = this.startPlayback();
    if (old && old.temp && old !== to) frames.push(...this.delete(old.uid));
    return frames;
  }

  /** `_playNext`. */
  playNext(): Frame[] {
    const current = this.current;
    if (current === undefined) return [];
    if (current.temp) return this.delete(current.uid);
    const index = this.#index(current.uid);
    const next = this.items[index + 1] ?? this.items[0];
    if (next === undefined) return [];
    this.currentUid = next.uid;
    return this.startPlayback();
  }

  setTemp(uid: number, temp: boolean): Frame[] {
    const item = this.items.find((other) => other.uid === uid);
    if (item === undefined) return [];
    item.temp = temp;
    return [["setTemp", { uid, temp }]];
  }

  clear(): Frame[] {
    this.items = [];
    this.currentUid = null;
    return [["playlist", []], ["setPlaylistMeta", this.meta()]];
  }

  /** `handleShuffle`: new uids, the current item first. */
  shuffle(): Frame[] {
    const old = [...this.items];
    const currentUid = this.currentUid;
    this.items = [];
    while (old.length > 0) {
      const [picked] = old.splice(Math.floor(Math.random() * old.length), 1);
      if (picked === undefined) break;
      const item = { ...picked, uid: this.#nextUid++ };
      if (picked.uid === currentUid) this.items.unshift(item);
      else this.items.push(item);
    }
    this.currentUid = this.items[0]?.uid ?? null;
    return [["playlist", this.items], ...this.startPlayback()];
  }
}
