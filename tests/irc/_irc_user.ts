/**
 * A plain IRC user for the tests: a raw TCP socket speaking RFC 1459 by hand (NICK, USER,
 * JOIN, PRIVMSG, PONG), so what the bot sends is read exactly as another client would see it.
 *
 * @module
 */
import { waitFor } from "@quicksilver/testing";
import { parseIrcLine } from "../../connectors/irc/mod.ts";

export interface Received {
  from: string;
  target: string;
  text: string;
  raw: string;
}

export class IrcUser implements AsyncDisposable {
  readonly nick: string;
  readonly lines: string[] = [];
  readonly #conn: Deno.TcpConn;
  readonly #encoder = new TextEncoder();
  readonly #reading: Promise<void>;
  closed = false;

  private constructor(nick: string, conn: Deno.TcpConn) {
    this.nick = nick;
    this.#conn = conn;
    this.#reading = this.#read();
  }

  /** Connects and registers; resolves after the welcome (001). */
  static async connect(port: number, nick: string): Promise<IrcUser> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const user = new IrcUser(nick, conn);
    await user.send(`NICK ${nick}`, `USER ${nick} 0 * :${nick}`);
    await user.waitLine((line) => / 001 /.test(line), `${nick} registered`);
    return user;
  }

  async send(...lines: string[]): Promise<void> {
    await this.#conn.write(this.#encoder.encode(lines.map((l) => `${l}\r\n`).join("")));
  }

  async join(channel: string): Promise<void> {
    await this.send(`JOIN ${channel}`);
    await this.waitLine(
      (line) => new RegExp(` 366 ${this.nick} ${escape(channel)} `, "i").test(line),
      `${this.nick} in ${channel}`,
    );
  }

  say(target: string, text: string): Promise<void> {
    return this.send(`PRIVMSG ${target} :${text}`);
  }

  /** PRIVMSGs received (channel or private) from `from`, optionally to `target`. */
  messages(from: string, target?: string): Received[] {
    const out: Received[] = [];
    for (const raw of this.lines) {
      const line = parseIrcLine(raw);
      if (!line || line.command !== "PRIVMSG") continue;
      if (line.nick.toLowerCase() !== from.toLowerCase()) continue;
      if (target !== undefined && line.params[0]?.toLowerCase() !== target.toLowerCase()) continue;
      out.push({ from: line.nick, target: line.params[0] ?? "", text: line.params[1] ?? "", raw });
    }
    return out;
  }

  async waitLine(test: (line: string) => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    await waitFor(() => this.lines.some(test), {
      timeoutMs,
      what: `${what}\n${this.lines.slice(-15).join("\n")}`,
    });
  }

  async #read() {
    let buffer = "";
    const decoder = new TextDecoder();
    try {
      for await (const chunk of this.#conn.readable) {
        buffer += decoder.decode(chunk, { stream: true });
        let index;
        while ((index = buffer.indexOf("\r\n")) >= 0) {
          const line = buffer.slice(0, index);
          buffer = buffer.slice(index + 2);
          if (line.startsWith("PING")) await this.send(`PONG${line.slice(4)}`).catch(() => {});
          this.lines.push(line);
        }
      }
    } catch {
      // closed
    }
    this.closed = true;
  }

  async close(): Promise<void> {
    if (!this.closed) {
      await this.send("QUIT :bye").catch(() => {});
      try {
        this.#conn.close();
      } catch { /* closed */ }
    }
    await this.#reading;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
