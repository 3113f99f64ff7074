/**
 * The chaos run's side of the fake CyTube server (`tests/fake_cytube/serve.ts`, its own
 * process): types chat lines as users and hears what the bot sent, over the server's JSON line
 * protocol (documented there).
 *
 * @module
 */
import type { ChaosProcess } from "./processes.ts";

/** A chat line or PM a bot sent, as the server handled it. */
export interface ChatLine {
  from: string | null;
  msg: string;
  accepted: boolean;
}

/** What the server reports, each with the run's clock (ms) when it arrived. */
export interface FakeChannelHandlers {
  chat(line: ChatLine, at: number): void;
  /** A line typed while no bot process was in the channel (logged in, or a standby watching). */
  unheard(msg: string): void;
  /** A bot entered the channel (and got CyTube's replay of the last 15 lines). */
  botJoined(): void;
}

/** The fake server's process, driven through its stdin and stdout. */
export class FakeChannel {
  url = "";
  /** Sockets connected now. */
  open = 0;
  /** Anonymous sockets in the channel now: standby connectors watching it. */
  watching = 0;
  readonly #process: ChaosProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #handlers: FakeChannelHandlers;
  readonly #clock: () => number;
  #pending = "";

  /** `process` runs serve.ts with stdin and stdout piped. */
  constructor(process: ChaosProcess, handlers: FakeChannelHandlers, clock: () => number) {
    this.#process = process;
    this.#handlers = handlers;
    this.#clock = clock;
    this.#writer = process.child.stdin.getWriter();
    void this.#read();
  }

  async #read(): Promise<void> {
    let buffer = "";
    for await (const chunk of this.#process.child.stdout.pipeThrough(new TextDecoderStream())) {
      const at = this.#clock();
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const message = JSON.parse(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
        if (message.url) this.url = message.url;
        if (message.open !== undefined) this.open = message.open;
        if (message.watching !== undefined) this.watching = message.watching;
        if (message.chat) this.#handlers.chat(message.chat, at);
        if (message.unheard !== undefined) this.#handlers.unheard(message.unheard);
        if (message.bot === true) this.#handlers.botJoined();
      }
    }
  }

  /** Queues a chat line from `user`; {@linkcode flush} sends the queue. */
  say(user: string, msg: string): void {
    this.#pending += `${JSON.stringify({ say: { user, msg } })}\n`;
  }

  /** Queues a user joining the channel (no socket). */
  addUser(user: string): void {
    this.#pending += `${JSON.stringify({ addUser: user })}\n`;
  }

  async flush(): Promise<void> {
    if (!this.#pending) return;
    const text = this.#pending;
    this.#pending = "";
    await this.#writer.write(new TextEncoder().encode(text));
  }
}
