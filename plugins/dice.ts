/**
 * Dice: the reference plugin (docs/PLUGIN-DEVELOPMENT.md walks through it).
 *
 * `!roll 2d6+3`, `!roll 4d6kh3` (keep highest 3), `!roll 4d6dl1` (drop lowest 1), `kl`/`dh` too,
 * `!roll adv` / `!roll dis` (two d20, keep the higher/lower; `adv+5` works), `!roll` alone is a
 * d20; at most 100 dice of up to 1000 sides. `!flip` flips a coin.
 */
import { definePlugin, type PluginContext, UsageError } from "@quicksilver/sdk";

export const MAX_DICE = 100;
export const MAX_SIDES = 1000;

/** One term of a roll: dice (with keep/drop) or a constant, added or subtracted. */
export type Term =
  | {
    kind: "dice";
    sign: 1 | -1;
    count: number;
    sides: number;
    keep?: { which: "high" | "low"; n: number };
  }
  | { kind: "constant"; sign: 1 | -1; value: number };

const TERM = /^(?:(\d*)d(\d+)(?:(kh|kl|dh|dl|k)(\d+))?|(\d+)|(adv|dis))$/;

/** Parses dice notation; throws UsageError with a message fit for chat. */
export function parseDice(input: string): Term[] {
  const text = input.toLowerCase().replace(/\s+/g, "") || "d20";
  if (text.length > 200) {
    throw new UsageError("That roll is too long; keep it under 200 characters.");
  }
  const parts = text.match(/[+-]?[^+-]+/g);
  if (!parts || parts.join("") !== text) {
    throw new UsageError(`I can't read "${input}". Try 2d6+3, 4d6kh3 or adv.`);
  }
  const terms: Term[] = [];
  let dice = 0;
  for (const part of parts) {
    const sign = part.startsWith("-") ? -1 : 1;
    const body = part.replace(/^[+-]/, "");
    const m = TERM.exec(body);
    if (!m) throw new UsageError(`I can't read "${body}". Try 2d6+3, 4d6kh3, 4d6dl1 or adv.`);
    if (m[6]) {
      terms.push({
        kind: "dice",
        sign,
        count: 2,
        sides: 20,
        keep: { which: m[6] === "adv" ? "high" : "low", n: 1 },
      });
      dice += 2;
      continue;
    }
    if (m[5] !== undefined) {
      const value = Number(m[5]);
      if (value > 1_000_000) throw new UsageError("Constants above 1000000 are not allowed.");
      terms.push({ kind: "constant", sign, value });
      continue;
    }
    const count = m[1] === "" || m[1] === undefined ? 1 : Number(m[1]);
    const sides = Number(m[2]);
    if (count < 1) throw new UsageError("Roll at least one die.");
    if (sides < 1) throw new UsageError("A die needs at least 1 side.");
    if (sides > MAX_SIDES) {
      throw new UsageError(`Dice can have at most ${MAX_SIDES} sides (you asked for ${sides}).`);
    }
    dice += count;
    if (dice > MAX_DICE) {
      throw new UsageError(`At most ${MAX_DICE} dice per roll (you asked for ${dice}).`);
    }
    const term: Term = { kind: "dice", sign, count, sides };
    if (m[3]) {
      const n = Number(m[4]);
      const keepHigh = m[3] === "kh" || m[3] === "k" || m[3] === "dl";
      const keepN = m[3].startsWith("d") ? count - n : n;
      if (n < 1 || keepN < 1 || keepN > count) {
        throw new UsageError(
          `${body}: you can keep or drop between 1 and ${count - 1} of ${count} dice.`,
        );
      }
      term.keep = { which: keepHigh ? "high" : "low", n: keepN };
    }
    terms.push(term);
  }
  return terms;
}

/** A uniform integer in 1..sides (rejection sampling: no modulo bias). */
export function rollDie(sides: number): number {
  const limit = Math.floor(0x1_0000_0000 / sides) * sides;
  const buffer = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(buffer);
    if (buffer[0]! < limit) return (buffer[0]! % sides) + 1;
  }
}

/** Rolls parsed terms: the total and a readable breakdown. */
export function roll(
  terms: Term[],
  die: (sides: number) => number = rollDie,
): { total: number; detail: string } {
  let total = 0;
  const shown: string[] = [];
  for (const term of terms) {
    const sign = term.sign < 0 ? "- " : shown.length ? "+ " : "";
    if (term.kind === "constant") {
      total += term.sign * term.value;
      shown.push(`${sign}${term.value}`);
      continue;
    }
    const rolls = Array.from({ length: term.count }, () => die(term.sides));
    let kept = rolls.map((_, i) => i);
    if (term.keep) {
      const order = kept.toSorted((a, b) =>
        term.keep!.which === "high" ? rolls[b]! - rolls[a]! : rolls[a]! - rolls[b]!
      );
      kept = order.slice(0, term.keep.n);
    }
    const keptSet = new Set(kept);
    const sum = kept.reduce((s, i) => s + rolls[i]!, 0);
    total += term.sign * sum;
    const faces = rolls.map((r, i) => keptSet.has(i) ? String(r) : `~${r}~`).join(", ");
    shown.push(`${sign}[${faces}]`);
  }
  return { total, detail: shown.join(" ") };
}

/**
 * The roll count in storage (`rolls`), added up here and written at most once a second: one
 * compare-and-set per roll was two more round trips to the KV bucket on every command (in
 * `deno task bench`, 2 of the 6 messages nats-server took in per command). A compare-and-set of
 * the sum keeps replicas' counts adding up; a crash loses at most the last second's count.
 */
class RollCount {
  #pending = 0;
  #scheduled = false;

  add(ctx: PluginContext): void {
    this.#pending++;
    if (this.#scheduled) return;
    this.#scheduled = true;
    ctx.timers.after(SAVE_EVERY_MS, () => this.save(ctx));
  }

  /** Adds what was counted since the last save to the stored count. */
  async save(ctx: PluginContext): Promise<void> {
    this.#scheduled = false;
    const counted = this.#pending;
    if (counted === 0) return;
    this.#pending = 0;
    try {
      await ctx.storage.update<number>("rolls", (n) => (n ?? 0) + counted);
    } catch (error) {
      this.#pending += counted; // tried again with the next save
      ctx.log.warn("roll count not saved", { error: String(error) });
    }
  }
}

const SAVE_EVERY_MS = 1000;
const rollCount = new RollCount();

export default definePlugin({
  name: "dice",
  version: "1.0.0",
  description: "Rolls dice (!roll 2d6+3, 4d6kh3, adv) and flips coins (!flip).",
  commands: {
    roll: {
      aliases: ["r", "dice"],
      usage: "!roll [dice]  e.g. 2d6+3, 4d6kh3, 4d6dl1, adv, dis",
      help: `Rolls dice: NdM, +/- constants, kh/kl/dh/dl to keep or drop, adv/dis for two d20. ` +
        `At most ${MAX_DICE} dice of ${MAX_SIDES} sides.`,
      cooldownMs: 0,
      handler(ctx) {
        const notation = ctx.rawArgs.trim() || "d20";
        const { total, detail } = roll(parseDice(notation));
        rollCount.add(ctx);
        return `${ctx.user.name} rolled ${notation}: ${detail} = ${total}`;
      },
    },
    flip: {
      aliases: ["coin"],
      usage: "!flip",
      help: "Flips a coin.",
      handler: (ctx) => `${ctx.user.name} flipped a coin: ${rollDie(2) === 1 ? "heads" : "tails"}`,
    },
  },
  // A stop (restart, reload, shutdown) saves what was counted since the last save.
  teardown: (ctx) => rollCount.save(ctx),
});
