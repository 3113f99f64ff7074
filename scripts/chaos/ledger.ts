/**
 * Every command the chaos run typed and every answer it heard: `!roll 1d1+<id>` with a unique
 * id, answered by dice as "<user> rolled 1d1+<id>: 1 + <id> = <id + 1>", so each answer is
 * matched to its command.
 *
 * @module
 */
import type { CommandRecord } from "./figures.ts";
import type { ChatLine, FakeChannel, FakeChannelHandlers } from "./fake_channel.ts";

/** CyTube replays its last 15 chat lines to a joiner (src/channel/chat.js, `this.buffer`). */
const REPLAYED_LINES = 15;
const ANSWER = /rolled 1d1\+(\d+)\b/;
const TYPED_ID = /\+(\d+)$/;

/** The commands and answers of one run. */
export class CommandLedger implements FakeChannelHandlers {
  readonly commands = new Map<number, CommandRecord>();
  /** Bot lines that answered no command (apologies such as "dice is not answering"). */
  otherBotLines = 0;
  readonly #bot: string;
  readonly #users: string[];
  readonly #clock: () => number;
  #nextId = 1;
  // Commands typed while no bot was in the channel, since one last joined.
  #gap: CommandRecord[] = [];

  constructor(options: { bot: string; users: string[]; clock: () => number }) {
    this.#bot = options.bot.toLowerCase();
    this.#users = options.users;
    this.#clock = options.clock;
  }

  /** Types the next command as the next user; returns its id. */
  type(fake: FakeChannel): number {
    const id = this.#nextId++;
    this.commands.set(id, { sentAt: this.#clock(), answers: [] });
    fake.say(this.#users[id % this.#users.length]!, `!roll 1d1+${id}`);
    return id;
  }

  /** Forgets everything typed so far (the warm-up); ids keep counting. */
  reset(): void {
    this.commands.clear();
    this.otherBotLines = 0;
    this.#gap = [];
  }

  chat(line: ChatLine, at: number): void {
    if (!line.accepted || line.from?.toLowerCase() !== this.#bot) return;
    const match = ANSWER.exec(line.msg);
    const record = match ? this.commands.get(Number(match[1])) : undefined;
    if (record) record.answers.push(at);
    else this.otherBotLines++;
  }

  unheard(msg: string): void {
    const match = TYPED_ID.exec(msg);
    const record = match ? this.commands.get(Number(match[1])) : undefined;
    if (!record || record.unheard) return;
    record.unheard = true;
    this.#gap.push(record);
  }

  /**
   * Command `id` was typed after the connector in the channel was SIGKILLed, before the server
   * saw its socket close: sent to a dead process, unheard (unless the next joiner's replay has it).
   */
  toDeadSocket(id: number): void {
    const record = this.commands.get(id);
    if (!record || record.unheard) return;
    record.unheard = true;
    this.#gap.push(record);
  }

  /** The replay on join reaches the bot: those commands were heard after all. */
  botJoined(): void {
    for (const record of this.#gap.slice(-REPLAYED_LINES)) record.unheard = false;
    this.#gap = [];
  }

  /** Commands with at least one answer. */
  answered(): number {
    return [...this.commands.values()].filter((c) => c.answers.length > 0).length;
  }
}
