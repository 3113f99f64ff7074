/**
 * Trivia: multiple-choice quiz games, one per channel, with a persistent leaderboard.
 *
 * `!trivia start [N] [category]` (default 10 questions, any category), `!trivia stop`, `!trivia
 * skip` (the starter or a moderator), `!trivia stats [user]`, `!trivia lb [global]`, `!trivia
 * cat`; answer with `!a <answer or number>` (one guess per question). Each question lasts 30 s
 * (`config.questionSeconds`) with two hints (at 1/3 and 2/3 of the time); points fall from 1000
 * to 100 as the time runs out, plus a streak bonus of 100 per consecutive win (up to 500).
 *
 * Example of: a game whose live state is all in `ctx.storage` and whose clock is run by the
 * replica holding `ctx.lease`, so it survives the death of the plugin host that ran it (the
 * standby goes on with the same question list and scores); `ctx.say` between commands; a
 * leaderboard in `ctx.storage` written after every correct answer. The question bank (about
 * 300 questions) is embedded at the end of this file: a plugin is one file, and its module graph
 * may hold nothing but itself and the SDK.
 */
import {
  type CommandContext,
  definePlugin,
  type PluginContext,
  RANKS,
  type Source,
  UsageError,
} from "@quicksilver/sdk";

export interface Question {
  category: string;
  text: string;
  answer: string;
  wrong: string[];
}

export interface PlayerStats {
  name: string;
  points: number;
  correct: number;
  games: number;
  wins: number;
  bestStreak: number;
}

type Leaderboard = Record<string, Record<string, PlayerStats>>;

/** The question being asked, as stored. */
interface Asked {
  choices: string[];
  /** Epoch ms. */
  askedAt: number;
  /** Lower-cased names that guessed (one guess each). */
  guessed: string[];
  /** Hints said so far (0-2). */
  hints: number;
}

/** One channel's game, as stored in `ctx.storage` (key `games`): plain JSON. */
interface Game {
  id: string;
  source: Source;
  startedBy: string;
  questions: Question[];
  /** The question asked (or coming next, during a break). */
  index: number;
  current: Asked | undefined;
  /** Epoch ms: when the question runs out, or when the break ends. */
  until: number;
  scores: Record<string, { name: string; points: number }>;
  /** The one player on a streak, if any, and its length. */
  streaks: Record<string, number>;
}

export const MAX_POINTS = 1000;
export const MIN_POINTS = 100;
const LB_KEY = "leaderboard";

// --- pure logic ------------------------------------------------------------------------------

/** Lower-case, no accents, no punctuation, no leading article, single spaces. */
export function normalize(text: string): string {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/&/g, " and ")
    .replace(/[^a-z0-9 ]+/g, " ").replace(/\s+/g, " ").trim().replace(/^(the|a|an) /, "");
}

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const keep = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = keep;
    }
  }
  return row[b.length]!;
}

/**
 * Whether a guess is right: a choice number, the answer's text, or a near miss of it (one typo
 * in 5+ letters, two in 10+) that is not closer to a wrong choice.
 */
export function isCorrect(guess: string, answer: string, choices: readonly string[]): boolean {
  const g = normalize(guess);
  if (!g) return false;
  const exact = choices.find((c) => normalize(c) === g);
  if (exact !== undefined) return exact === answer;
  if (/^\d+$/.test(g) && Number(g) >= 1 && Number(g) <= choices.length) {
    return choices[Number(g) - 1] === answer;
  }
  // A distinctive part names one choice: "einstein", "victoria" (for Lake Victoria).
  const words = g.split(" ");
  if (g.replace(/ /g, "").length >= 2) {
    const holders = choices.filter((c) => {
      const cw = normalize(c).split(" ");
      return words.every((w) => cw.includes(w));
    });
    if (holders.length === 1) return holders[0] === answer;
  }
  const a = normalize(answer);
  const allowed = a.length >= 10 ? 2 : a.length >= 5 ? 1 : 0;
  const distance = editDistance(g, a);
  if (distance > allowed) return false;
  return choices.every((c) => c === answer || editDistance(g, normalize(c)) > distance);
}

/** 1000 at once, 100 at the end, linear in between. */
export function pointsFor(elapsedMs: number, questionMs: number): number {
  const fraction = Math.min(1, Math.max(0, elapsedMs / questionMs));
  return Math.round(MAX_POINTS - (MAX_POINTS - MIN_POINTS) * fraction);
}

/** 100 per consecutive win after the first, at most 500. */
export function streakBonus(streak: number): number {
  return Math.min(500, Math.max(0, streak - 1) * 100);
}

/** First hint: the answer's shape, first letter of each word shown. */
export function maskHint(answer: string): string {
  return answer.split(" ").map((word) =>
    word.replace(/(?<=^.)[\p{L}\p{N}]|(?<!^)[\p{L}\p{N}]/gu, "_")
  ).join("  ");
}

/** Second hint: two wrong choices (by number) ruled out. */
export function eliminationHint(
  choices: readonly string[],
  answer: string,
  random = Math.random,
): string {
  const wrong = choices.map((c, i) => ({ c, i })).filter(({ c }) => c !== answer);
  const out = shuffle(wrong, random).slice(0, Math.max(0, choices.length - 2)).map(({ i }) =>
    `${i + 1})`
  ).sort();
  return `it is not ${out.join(" or ")}`;
}

export function shuffle<T>(items: readonly T[], random = Math.random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Parses the embedded bank: `## Category` headers, then `question | answer | wrong | wrong | wrong`. */
export function parseBank(text: string): Question[] {
  const out: Question[] = [];
  let category = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith("## ")) {
      category = line.slice(3).trim();
      continue;
    }
    const [q, answer, ...wrong] = line.split("|").map((p) => p.trim());
    if (!category || !q || !answer || wrong.length < 2 || wrong.some((w) => !w)) {
      throw new Error(
        `trivia bank: bad line "${line}" (want: question | answer | wrong | wrong [| wrong])`,
      );
    }
    out.push({ category, text: q, answer, wrong });
  }
  return out;
}

export function categories(bank: readonly Question[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const q of bank) out.set(q.category, (out.get(q.category) ?? 0) + 1);
  return out;
}

/** `!trivia start [N] [category]` in either order; throws UsageError. */
export function parseStart(
  args: readonly string[],
  bank: readonly Question[],
  max: number,
): { count: number; category?: string } {
  let count = 10;
  const words: string[] = [];
  for (const arg of args) {
    if (/^\d+$/.test(arg)) count = Number(arg);
    else words.push(arg);
  }
  if (count < 1 || count > max) throw new UsageError(`Pick between 1 and ${max} questions.`);
  const wanted = normalize(words.join(" "));
  if (!wanted || wanted === "any" || wanted === "all") return { count };
  const names = [...categories(bank).keys()];
  const found = names.find((n) => normalize(n) === wanted) ??
    names.find((n) => normalize(n).startsWith(wanted)) ??
    names.find((n) => normalize(n).includes(wanted));
  if (!found) {
    throw new UsageError(`No category "${words.join(" ")}". Categories: ${names.join(", ")}.`);
  }
  return { count, category: found };
}

export function channelId(source: Source): string {
  return `${source.platform}/${source.channel}`;
}

// --- the game --------------------------------------------------------------------------------
//
// Every game lives in `ctx.storage` (key `games`, one entry per channel), never only in memory:
// the plugin may run on several plugin hosts at once, a command reaches any one of them, and the
// host that ran a game may die. Commands change a game by compare-and-set (`storage.update`), so
// two replicas never lose each other's change. What happens by the clock (hints, "time's up",
// the next question) is done by the one replica holding `ctx.lease`: it looks at the games every
// TICK_MS and moves each one whose deadline passed. When it dies, a standby takes the lease within
// a few seconds and goes on from the stored state, scores included.

const GAMES_KEY = "games";
/** How often the lease holder looks at the clock: the precision of hints and deadlines. */
const TICK_MS = 250;
/**
 * With no game anywhere, the holder reads storage this often only (a game started on another
 * replica is seen within this; one started on the holder at once): an idle bot costs one read a
 * second, not four.
 */
const IDLE_LOOK_MS = 1000;
/** When the holder last found no game (local ms); 0: look at the next tick. */
let idleSince = 0;
/** A game nobody moved for this long (every host was down) is ended when one comes back. */
const ABANDONED_MS = 10 * 60_000;

type Games = Record<string, Game>;

interface Timing {
  questionMs: number;
  breakMs: number;
  maxQuestions: number;
}

function timing(config: Readonly<Record<string, unknown>>): Timing {
  const n = (key: string, fallback: number, min: number, max: number) => {
    const v = Number(config[key] ?? fallback);
    return Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : fallback;
  };
  return {
    questionMs: n("questionSeconds", 30, 1, 300) * 1000,
    breakMs: n("breakSeconds", 4, 0, 60) * 1000,
    maxQuestions: n("maxQuestions", 50, 1, 200),
  };
}

/** Lines to say once a change is stored (never before: a refused change says nothing). */
type Said = { source: Source; text: string }[];

function askNext(game: Game, now: number, said: Said, t: Timing) {
  const question = game.questions[game.index]!;
  const choices = shuffle([question.answer, ...question.wrong]);
  game.current = { choices, askedAt: now, guessed: [], hints: 0 };
  game.until = now + t.questionMs;
  const list = choices.map((c, i) => `${i + 1}) ${c}`).join("  ");
  said.push({
    source: game.source,
    text:
      `❓ Q${
        game.index + 1
      }/${game.questions.length} [${question.category}] ${question.text}  ${list}  ` +
      `(${Math.round(t.questionMs / 1000)}s; !a <answer or number>)`,
  });
}

/** Ends the question; returns the finished game if that was the last one. */
function advance(games: Games, game: Game, now: number, t: Timing): Game | undefined {
  game.current = undefined;
  game.index++;
  if (game.index >= game.questions.length) {
    delete games[game.id];
    return game;
  }
  game.until = now + t.breakMs;
  return undefined;
}

function podium(game: Game, how: string): string {
  const ranked = Object.values(game.scores).sort((a, b) => b.points - a.points);
  const top = ranked.slice(0, 5).map((s, i) => `${i + 1}) ${s.name} ${s.points}`).join("  ");
  return `${how} ${ranked.length ? top : "Nobody scored."}`;
}

/** Counts a finished game in the leaderboard (games played, the winner's win). */
async function recordGame(ctx: PluginContext, game: Game): Promise<void> {
  const ranked = Object.entries(game.scores).sort(([, a], [, b]) => b.points - a.points);
  if (ranked.length === 0) return;
  await ctx.storage.update<Leaderboard>(LB_KEY, (lb = {}) => {
    const board = (lb[game.id] ??= {});
    for (const [key, s] of ranked) {
      const stats =
        (board[key] ??= { name: s.name, points: 0, correct: 0, games: 0, wins: 0, bestStreak: 0 });
      stats.games++;
      if (key === ranked[0]![0]) stats.wins++;
    }
    return lb;
  });
}

/**
 * Moves every game whose time came (the lease holder's tick): hints at 1/3 and 2/3 of the
 * question, the answer when it runs out, the next question after the break.
 */
export function moveByClock(games: Games, now: number, t: Timing, said: Said): Game[] {
  const finished: Game[] = [];
  for (const game of Object.values(games)) {
    if (now - game.until > ABANDONED_MS) {
      delete games[game.id];
      said.push({ source: game.source, text: podium(game, "🏁 Trivia was interrupted.") });
      finished.push(game);
      continue;
    }
    const asked = game.current;
    if (!asked) {
      if (now >= game.until) askNext(game, now, said, t);
      continue;
    }
    const question = game.questions[game.index]!;
    if (now >= game.until) {
      game.streaks = {};
      said.push({ source: game.source, text: `⏰ Time's up! The answer was: ${question.answer}` });
      const over = advance(games, game, now, t);
      if (over) {
        said.push({ source: game.source, text: podium(over, "🏁 Trivia over!") });
        finished.push(over);
      }
      continue;
    }
    const elapsed = now - asked.askedAt;
    if (asked.hints < 1 && elapsed >= t.questionMs / 3) {
      asked.hints = 1;
      said.push({ source: game.source, text: `💡 Hint: ${maskHint(question.answer)}` });
    }
    if (asked.hints < 2 && elapsed >= (2 * t.questionMs) / 3) {
      asked.hints = 2;
      said.push({
        source: game.source,
        text: `💡 Hint: ${eliminationHint(asked.choices, question.answer)}`,
      });
    }
  }
  return finished;
}

/** Whether any game has something due at `now` (a cheap read before a compare-and-set). */
function anyDue(games: Games, now: number, t: Timing): boolean {
  return Object.values(games).some((game) => {
    if (now >= game.until) return true;
    const asked = game.current;
    if (!asked) return false;
    const elapsed = now - asked.askedAt;
    return (asked.hints < 1 && elapsed >= t.questionMs / 3) ||
      (asked.hints < 2 && elapsed >= (2 * t.questionMs) / 3);
  });
}

/** One look at the clock by the lease holder. */
async function tick(ctx: PluginContext): Promise<void> {
  if (!ctx.lease.active) return;
  if (idleSince > 0 && performance.now() - idleSince < IDLE_LOOK_MS) return;
  const t = timing(ctx.config);
  const stored = await ctx.storage.get<Games>(GAMES_KEY);
  idleSince = !stored || Object.keys(stored).length === 0 ? performance.now() : 0;
  if (!stored || !anyDue(stored, Date.now(), t)) return;
  let said: Said = [];
  let finished: Game[] = [];
  await ctx.storage.update<Games>(GAMES_KEY, (games = {}) => {
    said = [];
    finished = moveByClock(games, Date.now(), t, said);
    return games;
  });
  // The lease may have moved while the change was stored: the new holder read the stored state
  // after it, so it will not say these lines again; saying them here is this change's part.
  for (const line of said) ctx.say(line.source, line.text);
  for (const game of finished) await recordGame(ctx, game);
}

/** Runs the clock while this replica holds the lease. */
function driveGames(ctx: PluginContext) {
  ctx.lease.onActive((signal) => {
    ctx.log.info("trivia: this replica runs the game clock");
    let running = false;
    const stop = ctx.timers.every(TICK_MS, async () => {
      if (running) return;
      running = true;
      try {
        await tick(ctx);
      } finally {
        running = false;
      }
    });
    signal.addEventListener("abort", stop, { once: true });
  });
}

/**
 * Changes the channel's game by compare-and-set; `change` may run more than once, so it only
 * computes, and the lines it wants said are said once the change is stored.
 */
async function changeGames<R>(
  ctx: PluginContext,
  change: (games: Games, said: Said) => R,
): Promise<{ result: R; said: Said }> {
  let result!: R;
  let said: Said = [];
  await ctx.storage.update<Games>(GAMES_KEY, (games = {}) => {
    said = [];
    result = change(games, said);
    return games;
  });
  idleSince = 0; // this replica changed a game: its clock (if it holds the lease) looks at once
  return { result, said };
}

type AnswerOutcome =
  | { kind: "text"; text: string }
  | { kind: "right"; text: string; base: number; bonus: number; streak: number; over?: Game };

async function answer(ctx: CommandContext): Promise<string | void> {
  const guess = ctx.rawArgs.trim();
  const id = channelId(ctx.source);
  const t = timing(ctx.config);
  const key = ctx.user.name.toLowerCase();
  const { result } = await changeGames(ctx, (games): AnswerOutcome => {
    const game = games[id];
    if (!game) {
      return { kind: "text", text: "No trivia game is running here. Start one: !trivia start" };
    }
    const asked = game.current;
    if (!asked) return { kind: "text", text: `${ctx.user.name}: wait for the next question.` };
    if (!guess) throw new UsageError("Answer with !a <answer or number>");
    if (asked.guessed.includes(key)) {
      return { kind: "text", text: `${ctx.user.name}: one guess per question.` };
    }
    asked.guessed.push(key);
    const question = game.questions[game.index]!;
    if (!isCorrect(guess, question.answer, asked.choices)) {
      delete game.streaks[key];
      return { kind: "text", text: `${ctx.user.name}: no, sorry.` };
    }
    const now = Date.now();
    const streak = (game.streaks[key] ?? 0) + 1;
    game.streaks = { [key]: streak };
    const base = pointsFor(now - asked.askedAt, t.questionMs);
    const bonus = streakBonus(streak);
    const score = game.scores[key] ?? { name: ctx.user.name, points: 0 };
    score.points += base + bonus;
    game.scores[key] = score;
    const text = `✅ ${ctx.user.name} got it: ${question.answer}! +${base}` +
      (bonus ? ` +${bonus} streak bonus (${streak} in a row)` : "") +
      ` = ${score.points} this game.`;
    const over = advance(games, game, now, t);
    return { kind: "right", text, base, bonus, streak, ...(over ? { over } : {}) };
  });
  if (result.kind === "text") return result.text;
  // The answer first, then whatever comes next (the final scores) in the same reply.
  ctx.reply(result.text);
  if (result.over) ctx.say(podium(result.over, "🏁 Trivia over!"));
  const { base, bonus, streak } = result;
  await ctx.storage.update<Leaderboard>(LB_KEY, (lb = {}) => {
    const board = (lb[id] ??= {});
    const stats = (board[key] ??= {
      name: ctx.user.name,
      points: 0,
      correct: 0,
      games: 0,
      wins: 0,
      bestStreak: 0,
    });
    stats.name = ctx.user.name;
    stats.points += base + bonus;
    stats.correct++;
    stats.bestStreak = Math.max(stats.bestStreak, streak);
    return lb;
  });
  if (result.over) await recordGame(ctx, result.over);
}

function mayControl(ctx: CommandContext, game: Game) {
  if (game.startedBy !== ctx.user.name.toLowerCase() && ctx.user.rank < RANKS.moderator) {
    throw new UsageError("Only whoever started the game or a moderator can do that.");
  }
}

async function trivia(ctx: CommandContext): Promise<string | string[]> {
  const [sub = "", ...rest] = ctx.args;
  const id = channelId(ctx.source);
  const t = timing(ctx.config);
  switch (sub.toLowerCase()) {
    case "start": {
      const { count, category } = parseStart(rest, BANK, t.maxQuestions);
      const pool = category ? BANK.filter((q) => q.category === category) : BANK;
      const questions = shuffle(pool).slice(0, count);
      const { result: started } = await changeGames(ctx, (games) => {
        if (games[id]) return false;
        games[id] = {
          id,
          source: { platform: ctx.source.platform, channel: ctx.source.channel },
          startedBy: ctx.user.name.toLowerCase(),
          questions,
          index: 0,
          current: undefined,
          until: Date.now() + Math.min(t.breakMs, 2000),
          scores: {},
          streaks: {},
        };
        return true;
      });
      if (!started) return "A game is already running here; !trivia stop ends it.";
      return `🎲 Trivia: ${questions.length} question${questions.length === 1 ? "" : "s"} from ${
        category ?? "all categories"
      }, ` +
        `${
          Math.round(t.questionMs / 1000)
        }s each. Answer with !a <answer or number>. First question coming up!`;
    }
    case "stop": {
      const { result: stopped } = await changeGames(ctx, (games) => {
        const game = games[id];
        if (!game) return undefined;
        mayControl(ctx, game);
        delete games[id];
        return game;
      });
      if (!stopped) return "No game is running here.";
      if (stopped.current) {
        ctx.say(`The answer was: ${stopped.questions[stopped.index]!.answer}`);
      }
      ctx.say(podium(stopped, `🛑 Trivia stopped by ${ctx.user.name}.`));
      await recordGame(ctx, stopped);
      return [];
    }
    case "skip": {
      const { result } = await changeGames(ctx, (games) => {
        const game = games[id];
        if (!game) return { text: "No game is running here." };
        mayControl(ctx, game);
        if (!game.current) return { text: "Wait for the question first." };
        const answer = game.questions[game.index]!.answer;
        game.streaks = {};
        const over = advance(games, game, Date.now(), t);
        return { skipped: `⏭ Skipped. The answer was: ${answer}`, over };
      });
      if ("text" in result) return result.text;
      ctx.reply(result.skipped);
      if (result.over) {
        ctx.say(podium(result.over, "🏁 Trivia over!"));
        await recordGame(ctx, result.over);
      }
      return [];
    }
    case "stats": {
      const who = (rest[0] ?? ctx.user.name).replace(/^@/, "");
      const board = (await ctx.storage.get<Leaderboard>(LB_KEY))?.[id] ?? {};
      const s = board[who.toLowerCase()];
      if (!s) return `${who} has not scored in trivia here yet.`;
      const place = Object.values(board).filter((o) => o.points > s.points).length + 1;
      return `${s.name}: ${s.points} points (#${place}), ${s.correct} correct, ${s.games} games, ${s.wins} wins, best streak ${s.bestStreak}.`;
    }
    case "lb":
    case "top": {
      const lb = (await ctx.storage.get<Leaderboard>(LB_KEY)) ?? {};
      const global = rest[0]?.toLowerCase() === "global";
      const merged = new Map<string, PlayerStats>();
      for (const [channel, board] of Object.entries(lb)) {
        if (!global && channel !== id) continue;
        for (const [key, s] of Object.entries(board)) {
          const m = merged.get(key);
          merged.set(key, m ? { ...m, points: m.points + s.points } : { ...s });
        }
      }
      const top = [...merged.values()].sort((a, b) => b.points - a.points).slice(0, 10);
      if (top.length === 0) return "Nobody has scored yet. !trivia start";
      return `🏆 ${global ? "Global" : "Leaderboard"}: ${
        top.map((s, i) => `${i + 1}) ${s.name} ${s.points}`).join("  ")
      }`;
    }
    case "cat":
    case "categories":
      return `Categories: ${[...categories(BANK)].map(([c, n]) => `${c} (${n})`).join(", ")}`;
    default:
      throw new UsageError(
        "!trivia start [N] [category] | stop | skip | stats [user] | lb [global] | cat; answer with !a",
      );
  }
}

export default definePlugin({
  name: "trivia",
  version: "1.0.0",
  description: "Multiple-choice trivia games with hints, streaks and a leaderboard.",
  commands: {
    trivia: {
      usage: "!trivia start [N] [category] | stop | skip | stats [user] | lb [global] | cat",
      help:
        "Plays trivia in this channel: 30 s per question, points fall from 1000 to 100, streaks add a bonus.",
      handler: trivia,
    },
    a: {
      aliases: ["answer"],
      usage: "!a <answer or number>",
      help: "Answers the current trivia question (one guess per question).",
      handler: answer,
    },
  },
  setup(ctx) {
    driveGames(ctx);
  },
});

// --- the question bank -------------------------------------------------------------------------
// One line per question: question | answer | wrong | wrong | wrong. Checked by the tests
// (no duplicate questions, the answer never among the wrong choices).

export const BANK_TEXT = `
## General Knowledge
How many days are there in a leap year? | 366 | 365 | 364 | 360
How many minutes are there in a day? | 1440 | 1200 | 1400 | 2400
Which colour do you get by mixing blue and yellow paint? | Green | Purple | Orange | Brown
How many sides does a hexagon have? | 6 | 5 | 7 | 8
What is the currency of Japan? | Yen | Won | Yuan | Ringgit
What is the currency of the United Kingdom? | Pound sterling | Euro | Shilling | Crown
How many continents are there? | 7 | 5 | 6 | 8
Which month has the fewest days? | February | April | June | November
What is the freezing point of water in degrees Fahrenheit? | 32 | 0 | 100 | 212
In which language is "gracias" a way to say thank you? | Spanish | Italian | Portuguese | French
What is the main ingredient of guacamole? | Avocado | Tomato | Lime | Pea
How many strings does a standard violin have? | 4 | 5 | 6 | 3
What is the hardest natural substance? | Diamond | Quartz | Granite | Topaz
How many years are in a century? | 100 | 10 | 1000 | 50
What is the square root of 81? | 9 | 8 | 7 | 11
What is 12 multiplied by 12? | 144 | 124 | 132 | 156
Which letter does not appear in the name of any U.S. state? | Q | J | Z | X
How many zeros are there in one million? | 6 | 5 | 7 | 9
Which chess piece can only move diagonally? | Bishop | Rook | Knight | Queen
How many squares are there on a chessboard? | 64 | 32 | 81 | 100
Which language has the most native speakers? | Mandarin Chinese | English | Spanish | Hindi
What is the Roman numeral for 50? | L | C | D | X
What is the Roman numeral for 1000? | M | D | C | K
How many cards are in a standard deck, without jokers? | 52 | 48 | 54 | 56
Besides diamonds, which playing card suit is red? | Hearts | Spades | Clubs | Crowns
What is a baby kangaroo called? | Joey | Kit | Cub | Calf
What is a group of lions called? | Pride | Pack | Herd | Flock
What is a baby goat called? | Kid | Lamb | Foal | Calf
Which fruit is traditionally used to make wine? | Grape | Apple | Cherry | Plum
What is the seaweed wrapper of a sushi roll usually made of? | Nori | Kombu | Wakame | Rice paper
Which country is famous for inventing pizza? | Italy | Greece | France | Spain
What is the main ingredient of hummus? | Chickpeas | Lentils | Black beans | Peas
Which spice gives traditional paella its yellow colour? | Saffron | Paprika | Cumin | Cinnamon
What puzzle did the Hungarian inventor Erno Rubik create in 1974? | Rubik's Cube | Jigsaw puzzle | Sudoku | Tangram
Which company makes the iPhone? | Apple | Samsung | Google | Nokia
What does "www" stand for in a website address? | World Wide Web | World Web Wide | Wide World Web | Web World Wide
How many colours are traditionally named in a rainbow? | 7 | 6 | 8 | 5
Which keyboard instrument usually has 88 keys? | Piano | Harpsichord | Accordion | Clavichord
What is a word that reads the same forwards and backwards called? | Palindrome | Anagram | Acronym | Homonym
What is the nickname of the great bell of the clock at the Palace of Westminster? | Big Ben | Great Tom | Little John | Old Bailey
What colour is an emerald? | Green | Red | Blue | Purple
What is the traditional birthstone for April? | Diamond | Ruby | Emerald | Sapphire
How many sides does a standard stop sign have? | 8 | 6 | 5 | 10
What is the plural of "mouse" (the animal)? | Mice | Mouses | Meese | Mousen
Which meal is "petit dejeuner" in French? | Breakfast | Lunch | Dinner | Dessert
What do the letters "DIY" stand for? | Do it yourself | Design it yourself | Deliver it yourself | Decide it yourself
How many weeks are there in a year? | 52 | 48 | 50 | 56
Which is the largest number: a dozen, a score or a gross? | A gross | A dozen | A score | They are equal
How many sides does a pentagon have? | 5 | 6 | 4 | 8
Which animal is known as the "ship of the desert"? | Camel | Horse | Donkey | Llama
What is the name for a person who studies the stars and planets? | Astronomer | Astrologer | Geologist | Meteorologist

## Science
What is the chemical symbol for gold? | Au | Ag | Gd | Go
Which planet is known as the Red Planet? | Mars | Venus | Jupiter | Mercury
What is the largest planet in our solar system? | Jupiter | Saturn | Neptune | Earth
Which gas do plants absorb from the air for photosynthesis? | Carbon dioxide | Oxygen | Nitrogen | Helium
What is H2O better known as? | Water | Hydrogen peroxide | Salt | Ammonia
How many bones are there in the adult human body? | 206 | 201 | 212 | 230
What is the closest star to Earth? | The Sun | Proxima Centauri | Sirius | Polaris
Roughly how fast does light travel in a vacuum? | 300,000 km/s | 30,000 km/s | 3,000 km/s | 3,000,000 km/s
What is the atomic number of carbon? | 6 | 8 | 12 | 14
Which organ pumps blood around the body? | Heart | Liver | Lungs | Kidneys
What is the chemical symbol for sodium? | Na | So | Sd | S
What is the chemical symbol for iron? | Fe | Ir | In | I
Which planet has the most prominent rings? | Saturn | Uranus | Neptune | Mars
Which part of the cell is known as its powerhouse? | Mitochondria | Nucleus | Ribosome | Golgi apparatus
Which force keeps us on the ground? | Gravity | Magnetism | Friction | Inertia
At sea level, at what temperature in Celsius does water boil? | 100 | 90 | 110 | 212
Which gas makes up most of Earth's atmosphere? | Nitrogen | Oxygen | Argon | Carbon dioxide
What is the largest organ of the human body? | Skin | Liver | Brain | Lungs
Who proposed the theory of general relativity? | Albert Einstein | Isaac Newton | Niels Bohr | Galileo Galilei
Who formulated the three laws of motion and the law of universal gravitation? | Isaac Newton | Albert Einstein | Johannes Kepler | Michael Faraday
What is the smallest planet in our solar system? | Mercury | Mars | Venus | Pluto
How many planets are there in our solar system? | 8 | 9 | 7 | 10
What kind of animal is a dolphin? | Mammal | Fish | Amphibian | Reptile
What is the tallest animal in the world? | Giraffe | Elephant | Ostrich | Moose
What is the fastest land animal? | Cheetah | Lion | Pronghorn | Greyhound
What is the largest mammal that has ever lived? | Blue whale | African elephant | Sperm whale | Giraffe
What does DNA stand for? | Deoxyribonucleic acid | Dinucleic acid | Deoxyribose nitrate | Dextronucleic acid
What is the pH of pure water at 25 degrees Celsius? | 7 | 5 | 9 | 14
Which element has the chemical symbol O? | Oxygen | Osmium | Gold | Ozone
Who discovered penicillin in 1928? | Alexander Fleming | Louis Pasteur | Marie Curie | Joseph Lister
Who was the first person to win two Nobel Prizes? | Marie Curie | Linus Pauling | Albert Einstein | Niels Bohr
What is the scientific study of earthquakes called? | Seismology | Volcanology | Meteorology | Geology
Which element makes up most of the Sun? | Hydrogen | Helium | Oxygen | Carbon
How many chambers does the human heart have? | 4 | 2 | 3 | 5
Which part of a plant does most of its photosynthesis? | Leaves | Roots | Stem | Flowers
What is the SI unit of electrical resistance? | Ohm | Volt | Ampere | Watt
What is the SI unit of force? | Newton | Joule | Pascal | Watt
What is absolute zero in degrees Celsius, approximately? | -273 | -100 | -459 | 0
Which blood cells fight infection? | White blood cells | Red blood cells | Platelets | Plasma
Which planet is closest to the Sun? | Mercury | Venus | Earth | Mars
What is the chemical formula of table salt? | NaCl | KCl | NaOH | HCl
What is the name of the galaxy that contains our solar system? | The Milky Way | Andromeda | Triangulum | Whirlpool
What kind of energy does a moving object have because of its motion? | Kinetic | Potential | Thermal | Nuclear
How many legs does a spider have? | 8 | 6 | 10 | 12
What is the longest bone in the human body? | Femur | Tibia | Humerus | Fibula
Which vitamin does human skin make when exposed to sunlight? | Vitamin D | Vitamin C | Vitamin A | Vitamin B12
What is the process of a liquid turning into a gas called? | Evaporation | Condensation | Sublimation | Melting
Which metal is liquid at room temperature? | Mercury | Lead | Aluminium | Tin
What is the most abundant element in the universe? | Hydrogen | Helium | Oxygen | Carbon
What do bees collect from flowers to make honey? | Nectar | Pollen | Sap | Dew
Which planet rotates on its side, with an axial tilt of about 98 degrees? | Uranus | Neptune | Saturn | Venus
What is the natural satellite of the Earth called? | The Moon | Phobos | Titan | Europa

## Geography
What is the capital of France? | Paris | Lyon | Marseille | Nice
What is the capital of Australia? | Canberra | Sydney | Melbourne | Perth
What is the capital of Canada? | Ottawa | Toronto | Montreal | Vancouver
What is the capital of Japan? | Tokyo | Kyoto | Osaka | Hiroshima
What is the longest river in Africa? | Nile | Congo | Niger | Zambezi
What is the largest ocean on Earth? | Pacific | Atlantic | Indian | Arctic
What is the largest hot desert in the world? | Sahara | Arabian | Gobi | Kalahari
What is the largest country in the world by area? | Russia | Canada | China | United States
Mount Everest lies on the border between Nepal and which other country? | China | India | Bhutan | Pakistan
What is the capital of Italy? | Rome | Milan | Naples | Venice
What is the capital of Spain? | Madrid | Barcelona | Seville | Valencia
What is the capital of Germany? | Berlin | Munich | Hamburg | Frankfurt
What is the capital of Egypt? | Cairo | Alexandria | Giza | Luxor
What is the capital of Brazil? | Brasilia | Rio de Janeiro | Sao Paulo | Salvador
What is the capital of Argentina? | Buenos Aires | Cordoba | Rosario | Mendoza
What is the capital of Kenya? | Nairobi | Mombasa | Kampala | Addis Ababa
What is the capital of South Korea? | Seoul | Busan | Pyongyang | Incheon
What is the capital of Turkey? | Ankara | Istanbul | Izmir | Antalya
What is the capital of New Zealand? | Wellington | Auckland | Christchurch | Queenstown
Which river flows through London? | Thames | Severn | Mersey | Avon
Which river flows through Paris? | Seine | Loire | Rhone | Rhine
In which country are the pyramids of Giza? | Egypt | Mexico | Sudan | Peru
What is the smallest country in the world by area? | Vatican City | Monaco | San Marino | Liechtenstein
On which continent is Kenya? | Africa | Asia | South America | Oceania
How many states are there in the United States? | 50 | 48 | 51 | 52
What is the longest river in South America? | Amazon | Parana | Orinoco | Magdalena
Which mountain range is traditionally taken as part of the border between Europe and Asia? | Ural Mountains | Alps | Carpathians | Himalayas
What is the highest mountain in Africa? | Kilimanjaro | Mount Kenya | Mount Stanley | Table Mountain
Which U.S. state is the largest by area? | Alaska | Texas | California | Montana
Which ocean lies between Africa and Australia? | Indian Ocean | Pacific Ocean | Atlantic Ocean | Arctic Ocean
In which country is the city of Marrakesh? | Morocco | Algeria | Tunisia | Egypt
Which sea separates southern Europe from North Africa? | Mediterranean Sea | Red Sea | Black Sea | Caspian Sea
What is the largest lake in Africa? | Lake Victoria | Lake Tanganyika | Lake Malawi | Lake Chad
In which country is the ancient city of Petra? | Jordan | Israel | Lebanon | Syria
What is the capital of Russia? | Moscow | Saint Petersburg | Kazan | Novosibirsk
What is the capital of India? | New Delhi | Mumbai | Kolkata | Bangalore
What is the capital of China? | Beijing | Shanghai | Hong Kong | Guangzhou
What is the capital of Mexico? | Mexico City | Guadalajara | Monterrey | Cancun
Which European country is shaped like a boot? | Italy | Greece | Portugal | Croatia
On which continent are the Andes mountains? | South America | Africa | Asia | North America
What is the capital of Norway? | Oslo | Bergen | Stockholm | Copenhagen
What is the capital of Portugal? | Lisbon | Porto | Madrid | Braga
What is the capital of Greece? | Athens | Thessaloniki | Sparta | Corinth
What is the capital of Ireland? | Dublin | Cork | Belfast | Galway
Which desert covers much of Mongolia and northern China? | Gobi | Sahara | Atacama | Thar
Off the coast of which country is the Great Barrier Reef? | Australia | Indonesia | Philippines | Fiji
Which African country was formerly called Abyssinia? | Ethiopia | Somalia | Eritrea | Sudan
What is the capital of Thailand? | Bangkok | Phuket | Chiang Mai | Hanoi
What is the capital of Peru? | Lima | Cusco | Quito | Bogota
Which desert in northern Chile is one of the driest places on Earth? | Atacama | Sonoran | Namib | Patagonian
What is the capital of Switzerland? | Bern | Zurich | Geneva | Basel
Which country has the most natural lakes? | Canada | Russia | Finland | United States
Which strait separates Spain from Morocco? | Strait of Gibraltar | Strait of Hormuz | Bosphorus | Strait of Dover

## History
In which year did World War II end? | 1945 | 1944 | 1939 | 1918
In which year did World War I begin? | 1914 | 1918 | 1905 | 1939
Who was the first President of the United States? | George Washington | Thomas Jefferson | John Adams | Abraham Lincoln
In which year did humans first land on the Moon? | 1969 | 1965 | 1972 | 1961
Who was the first person to walk on the Moon? | Neil Armstrong | Buzz Aldrin | Yuri Gagarin | Michael Collins
Who was the first human in space? | Yuri Gagarin | Alan Shepard | Neil Armstrong | John Glenn
Which ship sank on its maiden voyage in April 1912? | Titanic | Lusitania | Britannic | Mayflower
In which year did the Berlin Wall fall? | 1989 | 1991 | 1987 | 1961
Who was the British prime minister for most of World War II? | Winston Churchill | Neville Chamberlain | Clement Attlee | Anthony Eden
Which civilization built Machu Picchu? | Inca | Aztec | Maya | Olmec
Who was the first emperor of Rome? | Augustus | Julius Caesar | Nero | Caligula
Which French emperor was defeated at Waterloo in 1815? | Napoleon Bonaparte | Louis XIV | Charles de Gaulle | Louis XVI
In which year did Christopher Columbus first reach the Americas? | 1492 | 1498 | 1502 | 1488
Who was the principal author of the Declaration of Independence? | Thomas Jefferson | Benjamin Franklin | John Adams | James Madison
What was the name of the ship that carried the Pilgrims to America in 1620? | Mayflower | Santa Maria | Endeavour | Beagle
Which ancient Egyptian queen allied with Julius Caesar and Mark Antony? | Cleopatra | Nefertiti | Hatshepsut | Nefertari
Which empire was founded by Genghis Khan? | Mongol Empire | Ottoman Empire | Persian Empire | Roman Empire
In which year did the French Revolution begin? | 1789 | 1776 | 1799 | 1815
Who was President of the United States during the American Civil War? | Abraham Lincoln | Ulysses S. Grant | Andrew Johnson | James Buchanan
Which country gave the Statue of Liberty to the United States? | France | United Kingdom | Spain | Netherlands
Who painted the ceiling of the Sistine Chapel? | Michelangelo | Leonardo da Vinci | Raphael | Donatello
What was the name of the German air force in World War II? | Luftwaffe | Wehrmacht | Kriegsmarine | Gestapo
Who led the Soviet Union during World War II? | Joseph Stalin | Vladimir Lenin | Nikita Khrushchev | Leon Trotsky
In which city was U.S. President John F. Kennedy assassinated? | Dallas | Houston | Washington | Chicago
Which civilization built the city of Tenochtitlan? | Aztec | Inca | Maya | Toltec
Who was the first woman to fly solo across the Atlantic Ocean? | Amelia Earhart | Bessie Coleman | Harriet Quimby | Jacqueline Cochran
In which year was the Soviet Union dissolved? | 1991 | 1989 | 1993 | 1985
Which English king had six wives? | Henry VIII | Henry VII | Edward VI | Richard III
Who was the longest-reigning British monarch? | Elizabeth II | Victoria | George III | Elizabeth I
Which wonder of the ancient world stood at Alexandria? | The Lighthouse | The Colossus | The Hanging Gardens | The Mausoleum
Which war was fought between the Union and the Confederacy? | American Civil War | Revolutionary War | War of 1812 | Mexican-American War
Who gave the "I Have a Dream" speech in 1963? | Martin Luther King Jr. | Malcolm X | Rosa Parks | John Lewis
Which South African leader was imprisoned for 27 years before becoming president? | Nelson Mandela | Desmond Tutu | F. W. de Klerk | Thabo Mbeki
What was the first artificial satellite, launched in 1957? | Sputnik 1 | Explorer 1 | Vostok 1 | Telstar
In which year was the Battle of Hastings? | 1066 | 1096 | 1215 | 1016
Which charter, sealed in 1215, limited the power of the English king? | Magna Carta | Bill of Rights | Domesday Book | Act of Union
Who introduced printing with movable metal type to Europe around 1440? | Johannes Gutenberg | William Caxton | Martin Luther | Leonardo da Vinci
In which country did the Renaissance begin? | Italy | France | England | Spain
What was the capital of the Byzantine Empire? | Constantinople | Rome | Athens | Antioch
Who led the first expedition to sail around the world, completed in 1522? | Ferdinand Magellan | Vasco da Gama | Francis Drake | James Cook
Who was the first female Prime Minister of the United Kingdom? | Margaret Thatcher | Theresa May | Indira Gandhi | Golda Meir
Whose nearly intact tomb did Howard Carter discover in 1922? | Tutankhamun | Ramesses II | Khufu | Akhenaten
The Cold War was mainly between the United States and which country? | Soviet Union | China | Germany | Cuba
Which Roman city was buried by the eruption of Mount Vesuvius in 79 AD? | Pompeii | Rome | Carthage | Ostia
What is the name of the European cultural rebirth of the 14th to 17th centuries? | Renaissance | Enlightenment | Reformation | Baroque
Which country was the first to give all women the right to vote in national elections, in 1893? | New Zealand | United States | United Kingdom | Finland
Who was the first Chancellor of the German Empire, from 1871? | Otto von Bismarck | Wilhelm I | Friedrich Ebert | Paul von Hindenburg
Who led India's nonviolent campaign for independence from British rule? | Mahatma Gandhi | Jawaharlal Nehru | Subhas Chandra Bose | Bhagat Singh
In which year was the U.S. Declaration of Independence adopted? | 1776 | 1783 | 1789 | 1765
Which wall was built across northern Britain by the Romans? | Hadrian's Wall | Antonine Wall | Offa's Dyke | Great Wall
Which ancient city was the home of the Spartans' great rival, led by Pericles? | Athens | Corinth | Thebes | Troy

## Entertainment
Who wrote "Romeo and Juliet"? | William Shakespeare | Christopher Marlowe | Charles Dickens | Jane Austen
Who painted the Mona Lisa? | Leonardo da Vinci | Michelangelo | Raphael | Vincent van Gogh
Which band was John Lennon a member of? | The Beatles | The Rolling Stones | The Who | The Kinks
Who wrote the Harry Potter books? | J. K. Rowling | J. R. R. Tolkien | Roald Dahl | C. S. Lewis
What is the name of the school of witchcraft and wizardry in Harry Potter? | Hogwarts | Durmstrang | Beauxbatons | Ilvermorny
Which film series features the line "May the Force be with you"? | Star Wars | Star Trek | Dune | The Matrix
Who directed the 1975 film "Jaws"? | Steven Spielberg | George Lucas | Martin Scorsese | Francis Ford Coppola
Which 1994 Disney animated film features the lion cub Simba? | The Lion King | Bambi | The Jungle Book | Madagascar
In the 1939 film "The Wizard of Oz", what colour are Dorothy's slippers? | Ruby red | Silver | Gold | Emerald green
Who is known as the "King of Pop"? | Michael Jackson | Elvis Presley | Prince | Justin Timberlake
Who is known as the "King of Rock and Roll"? | Elvis Presley | Chuck Berry | Little Richard | Buddy Holly
Which fictional detective lives at 221B Baker Street? | Sherlock Holmes | Hercule Poirot | Miss Marple | Philip Marlowe
Which fictional continent is the setting of most of "Game of Thrones"? | Westeros | Middle-earth | Narnia | Tamriel
What is the name of the coffee shop in the TV series "Friends"? | Central Perk | Monk's Cafe | Cafe Nervosa | The Peach Pit
Who composed the "Moonlight Sonata"? | Ludwig van Beethoven | Wolfgang Amadeus Mozart | Frederic Chopin | Johann Sebastian Bach
Which instrument did Jimi Hendrix famously play? | Guitar | Drums | Saxophone | Piano
Which Pixar film is about a robot left to clean up an abandoned Earth? | WALL-E | Up | Toy Story | Cars
Which Nintendo character is a plumber in a red cap? | Mario | Luigi | Wario | Link
Which company makes the PlayStation consoles? | Sony | Nintendo | Microsoft | Sega
Which hobbit carries the One Ring to Mordor in "The Lord of the Rings"? | Frodo Baggins | Bilbo Baggins | Samwise Gamgee | Peregrin Took
Who wrote "Pride and Prejudice"? | Jane Austen | Charlotte Bronte | Emily Bronte | Mary Shelley
Who wrote the novel "Nineteen Eighty-Four"? | George Orwell | Aldous Huxley | Ray Bradbury | H. G. Wells
In which city is the musical "West Side Story" set? | New York | Chicago | Los Angeles | Boston
Which singer released the album "21" in 2011? | Adele | Taylor Swift | Amy Winehouse | Rihanna
Which superhero is known as the "Man of Steel"? | Superman | Batman | Iron Man | Captain America
What is Batman's secret identity? | Bruce Wayne | Clark Kent | Peter Parker | Tony Stark
What is Spider-Man's real name in the original Marvel comics? | Peter Parker | Bruce Banner | Steve Rogers | Wade Wilson
Which "Toy Story" character says "To infinity and beyond!"? | Buzz Lightyear | Woody | Rex | Hamm
Who played Captain Jack Sparrow in "Pirates of the Caribbean"? | Johnny Depp | Orlando Bloom | Brad Pitt | Jude Law
Which film won the first Academy Award for Best Picture? | Wings | Sunrise | The Jazz Singer | Metropolis
Which band recorded "Bohemian Rhapsody"? | Queen | Led Zeppelin | Pink Floyd | The Beatles
How many Infinity Stones are there in the Marvel films? | 6 | 5 | 7 | 9
What is the name of the green ogre in the 2001 DreamWorks film? | Shrek | Fiona | Donkey | Grinch
Which author created the detective Hercule Poirot? | Agatha Christie | Arthur Conan Doyle | Dorothy L. Sayers | Raymond Chandler
In which year was the first "Star Wars" film released? | 1977 | 1980 | 1975 | 1983
Which Dutch painter cut off part of his own ear in 1888? | Vincent van Gogh | Rembrandt | Johannes Vermeer | Piet Mondrian
Who wrote and sang "Like a Rolling Stone" in 1965? | Bob Dylan | Mick Jagger | Bruce Springsteen | Neil Young
What is the name of the fictional African nation in "Black Panther"? | Wakanda | Zamunda | Genovia | Sokovia
Which animated TV series follows the Griffin family? | Family Guy | The Simpsons | American Dad | South Park
In which town do the Simpsons live? | Springfield | Shelbyville | Quahog | Riverdale
Who composed the music for the original "Star Wars" films? | John Williams | Hans Zimmer | Howard Shore | James Horner
Which game is played with X's and O's on a three-by-three grid? | Tic-tac-toe | Connect Four | Battleship | Go
Which Nintendo character is a round pink hero from Dream Land? | Kirby | Yoshi | Toad | Donkey Kong
In Greek mythology, who is the king of the gods? | Zeus | Poseidon | Hades | Apollo
Who wrote the novel "Moby-Dick"? | Herman Melville | Mark Twain | Nathaniel Hawthorne | Jack London
Which Shakespeare play contains the line "To be, or not to be"? | Hamlet | Macbeth | Othello | King Lear
Who painted "The Starry Night"? | Vincent van Gogh | Claude Monet | Pablo Picasso | Salvador Dali
Which group sang "Dancing Queen"? | ABBA | Bee Gees | Boney M. | Roxette
In which film does a great white shark terrorize the town of Amity Island? | Jaws | The Meg | Deep Blue Sea | Piranha
Which wizard is the headmaster of Hogwarts for most of the Harry Potter books? | Albus Dumbledore | Severus Snape | Gandalf | Merlin
Who wrote "The Hobbit"? | J. R. R. Tolkien | C. S. Lewis | Terry Pratchett | George R. R. Martin

## Sports
How many players does a soccer team have on the field? | 11 | 10 | 9 | 12
How many players does a basketball team have on the court? | 5 | 6 | 7 | 4
In which sport would you perform a slam dunk? | Basketball | Volleyball | Tennis | Handball
How often are the Summer Olympic Games normally held? | Every four years | Every two years | Every three years | Every five years
Which country won the first FIFA World Cup, in 1930? | Uruguay | Argentina | Brazil | Italy
What is the highest possible score in a game of ten-pin bowling? | 300 | 200 | 250 | 350
In tennis, what is a score of zero called? | Love | Nil | Zero | Duck
Which sport uses a shuttlecock? | Badminton | Squash | Table tennis | Tennis
How many holes are played in a standard round of golf? | 18 | 9 | 12 | 21
How long is a marathon, in kilometres? | 42.195 | 40 | 26.2 | 50
Which city hosted the 2016 Summer Olympics? | Rio de Janeiro | Beijing | London | Tokyo
Which boxer called himself "The Greatest"? | Muhammad Ali | Mike Tyson | Joe Frazier | George Foreman
In which sport is the Stanley Cup awarded? | Ice hockey | Basketball | American football | Baseball
How many points is a touchdown worth in American football? | 6 | 7 | 3 | 5
Which sport is played at the Wimbledon Championships? | Tennis | Cricket | Golf | Rugby
Which nation has won the most men's FIFA World Cups? | Brazil | Germany | Italy | Argentina
How many rings are there on the Olympic flag? | 5 | 4 | 6 | 7
In cricket, how many legal deliveries make up an over? | 6 | 5 | 8 | 10
Which athlete has won the most Olympic gold medals? | Michael Phelps | Usain Bolt | Carl Lewis | Mark Spitz
Which form of wrestling is considered the national sport of Japan? | Sumo | Judo | Karate | Kendo
Who holds the men's 100 m world record of 9.58 seconds? | Usain Bolt | Tyson Gay | Yohan Blake | Carl Lewis
How many players does a volleyball team have on the court? | 6 | 5 | 7 | 9
In which sport can you score a "hole in one"? | Golf | Polo | Cricket | Croquet
In which country was judo created? | Japan | China | Korea | Brazil
The Tour de France is a race in which sport? | Cycling | Running | Motor racing | Sailing
How long is an Olympic swimming pool? | 50 metres | 25 metres | 100 metres | 75 metres
What is the diameter of a basketball hoop, in inches? | 18 | 16 | 20 | 24
Which English football club is nicknamed "The Red Devils"? | Manchester United | Liverpool | Arsenal | Chelsea
In which city were the first modern Olympic Games held, in 1896? | Athens | Paris | London | Rome
Which men's tennis player was the first to win 24 Grand Slam singles titles? | Novak Djokovic | Rafael Nadal | Roger Federer | Pete Sampras
How many players does a rugby union team have on the field? | 15 | 13 | 11 | 12
Which sport uses the terms "strike" and "spare"? | Bowling | Baseball | Cricket | Curling
In baseball, how many strikes make a strikeout? | 3 | 2 | 4 | 5
Which national rugby team performs the haka before matches? | New Zealand | Australia | Fiji | South Africa
What colour is the jersey worn by the overall leader of the Tour de France? | Yellow | Green | Pink | Red
Which Formula 1 driver shares the record of seven world championships with Michael Schumacher? | Lewis Hamilton | Sebastian Vettel | Ayrton Senna | Alain Prost
In which sport are the foil, the epee and the sabre used? | Fencing | Archery | Kendo | Polo
How many minutes long is a regulation NBA game? | 48 | 40 | 60 | 44
Which golf tournament is played every year at Augusta National? | The Masters | The Open | U.S. Open | PGA Championship
Which Grand Slam tennis tournament is played on clay? | French Open | US Open | Wimbledon | Australian Open
Which country won the 2018 FIFA World Cup? | France | Croatia | Germany | Brazil
What is the highest score possible with three darts? | 180 | 150 | 170 | 200
Which martial art's name means "the gentle way"? | Judo | Karate | Aikido | Taekwondo
In golf, what is a score of one under par on a hole called? | Birdie | Eagle | Bogey | Albatross
In golf, what is a score of one over par on a hole called? | Bogey | Birdie | Par | Eagle
How many periods are there in a professional ice hockey game? | 3 | 2 | 4 | 5
Which country has won the most medals in the history of the Summer Olympics? | United States | Soviet Union | China | Great Britain
Which sport is often called "the beautiful game"? | Football | Basketball | Cricket | Tennis
In which sport do nations compete for the Davis Cup? | Tennis | Golf | Sailing | Rowing
Which team sport is played on horseback with long-handled mallets? | Polo | Croquet | Lacrosse | Hurling
What is it called when a player scores three goals in one game? | Hat-trick | Treble | Triple | Brace
Which basketball player is nicknamed "King James"? | LeBron James | Michael Jordan | Kobe Bryant | Kevin Durant
`;

export const BANK: readonly Question[] = parseBank(BANK_TEXT);
