/**
 * Quotes: a per-channel quote book kept in the plugin's storage.
 *
 * `!quote` (a random one), `!quote <n>`, `!quote add <text>`, `!quote search <words>`,
 * `!quote del <n>` (moderators), `!quote up <n>` / `!quote down <n>` (one vote per user per quote,
 * changeable), `!quote top`. Numbers are never reused, so "#12" always means the same quote.
 *
 * Example of: one subcommand-style command with a rank check inside the handler (only `del`
 * needs a moderator), and `storage.update` as the one atomic read-change-write.
 */
import {
  type CommandContext,
  definePlugin,
  RANKS,
  type Source,
  UsageError,
} from "@quicksilver/sdk";

export interface Quote {
  n: number;
  text: string;
  by: string;
  at: number;
  /** user (lower-case) -> +1 / -1 */
  votes: Record<string, 1 | -1>;
}

export interface QuoteBook {
  next: number;
  quotes: Quote[];
}

export const MAX_QUOTE_LENGTH = 400;
export const MAX_QUOTES_PER_CHANNEL = 5000;
const STORAGE_KEY = "books";

/** Storage holds every channel's book under one key: `platform/channel` -> book. */
type Books = Record<string, QuoteBook>;

export function channelId(source: Source): string {
  return `${source.platform}/${source.channel}`;
}

export function emptyBook(): QuoteBook {
  return { next: 1, quotes: [] };
}

export function score(quote: Quote): number {
  return Object.values(quote.votes).reduce<number>((sum, v) => sum + v, 0);
}

export function formatQuote(quote: Quote): string {
  const s = score(quote);
  return `#${quote.n}: ${quote.text} (${s >= 0 ? "+" : ""}${s}, added by ${quote.by})`;
}

/** Adds a quote; throws UsageError for empty, too long or duplicate text. */
export function addQuote(book: QuoteBook, text: string, by: string, at: number): Quote {
  const clean = text.replace(/\s+/g, " ").trim();
  if (!clean) throw new UsageError("What should I remember? !quote add <text>");
  if (clean.length > MAX_QUOTE_LENGTH) {
    throw new UsageError(
      `A quote may be at most ${MAX_QUOTE_LENGTH} characters (that one is ${clean.length}).`,
    );
  }
  const same = book.quotes.find((q) => q.text.toLowerCase() === clean.toLowerCase());
  if (same) throw new UsageError(`I already have that one: #${same.n}.`);
  if (book.quotes.length >= MAX_QUOTES_PER_CHANNEL) {
    throw new UsageError(
      `The quote book is full (${MAX_QUOTES_PER_CHANNEL}); a moderator can delete some.`,
    );
  }
  const quote: Quote = { n: book.next, text: clean, by, at, votes: {} };
  book.next++;
  book.quotes.push(quote);
  return quote;
}

/** Quotes containing every word (case-insensitive), newest first. */
export function searchQuotes(book: QuoteBook, words: string): Quote[] {
  const terms = words.toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) throw new UsageError("Search for what? !quote search <words>");
  return book.quotes.filter((q) => terms.every((t) => q.text.toLowerCase().includes(t))).reverse();
}

/** Records a vote; returns false when the user had already voted that way. */
export function vote(quote: Quote, user: string, direction: 1 | -1): boolean {
  const key = user.toLowerCase();
  if (quote.votes[key] === direction) return false;
  quote.votes[key] = direction;
  return true;
}

/** Highest score first; ties go to the older quote. */
export function topQuotes(book: QuoteBook, count = 5): Quote[] {
  return book.quotes.toSorted((a, b) => score(b) - score(a) || a.n - b.n).slice(0, count);
}

export function parseNumber(text: string | undefined, what: string): number {
  const n = Number((text ?? "").replace(/^#/, ""));
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${what}: give a quote number, e.g. 12.`);
  return n;
}

function find(book: QuoteBook, n: number): Quote {
  const quote = book.quotes.find((q) => q.n === n);
  if (!quote) throw new UsageError(`There is no quote #${n}.`);
  return quote;
}

/** Runs `change` on this channel's book and stores the result in one step. */
async function withBook<T>(ctx: CommandContext, change: (book: QuoteBook) => T): Promise<T> {
  const id = channelId(ctx.source);
  let result: T | undefined;
  let failure: unknown;
  await ctx.storage.update<Books>(STORAGE_KEY, (books = {}) => {
    const book = books[id] ?? emptyBook();
    try {
      result = change(book);
    } catch (error) {
      failure = error; // keep the stored books unchanged
      return books;
    }
    books[id] = book;
    return books;
  });
  if (failure !== undefined) throw failure;
  return result as T;
}

async function readBook(ctx: CommandContext): Promise<QuoteBook> {
  const books = await ctx.storage.get<Books>(STORAGE_KEY);
  return books?.[channelId(ctx.source)] ?? emptyBook();
}

async function quoteCommand(ctx: CommandContext): Promise<string | string[]> {
  const [sub = "", ...rest] = ctx.args;
  const restText = ctx.rawArgs.replace(/^\S+\s*/, "");
  switch (sub.toLowerCase()) {
    case "": {
      const book = await readBook(ctx);
      if (book.quotes.length === 0) return "No quotes yet. Add one: !quote add <text>";
      return formatQuote(book.quotes[Math.floor(Math.random() * book.quotes.length)]!);
    }
    case "add": {
      const quote = await withBook(
        ctx,
        (book) => addQuote(book, restText, ctx.user.name, Date.now()),
      );
      return `Added quote #${quote.n}.`;
    }
    case "search":
    case "find": {
      const found = searchQuotes(await readBook(ctx), restText);
      if (found.length === 0) return `No quote mentions "${restText}".`;
      const shown = found.slice(0, 3).map(formatQuote);
      if (found.length > 3) {
        shown.push(
          `…and ${found.length - 3} more: ${found.slice(3, 13).map((q) => `#${q.n}`).join(" ")}`,
        );
      }
      return shown;
    }
    case "del":
    case "delete": {
      if (ctx.user.rank < RANKS.moderator) return "Only moderators can delete quotes.";
      const n = parseNumber(rest[0], "!quote del");
      await withBook(ctx, (book) => {
        find(book, n);
        book.quotes = book.quotes.filter((q) => q.n !== n);
      });
      return `Deleted quote #${n}.`;
    }
    case "up":
    case "down": {
      const n = parseNumber(rest[0], `!quote ${sub}`);
      const direction = sub.toLowerCase() === "up" ? 1 : -1;
      const { changed, quote } = await withBook(ctx, (book) => {
        const quote = find(book, n);
        return { changed: vote(quote, ctx.user.name, direction), quote };
      });
      if (!changed) return `You already voted ${sub} #${n}.`;
      return `#${n} is now at ${score(quote) >= 0 ? "+" : ""}${score(quote)}.`;
    }
    case "top": {
      const top = topQuotes(await readBook(ctx));
      return top.length === 0 ? "No quotes yet." : top.map(formatQuote);
    }
    default: {
      if (/^#?\d+$/.test(sub) && rest.length === 0) {
        return formatQuote(find(await readBook(ctx), parseNumber(sub, "!quote")));
      }
      throw new UsageError(
        "Try !quote, !quote <n>, !quote add <text>, !quote search <words>, !quote up|down <n>, !quote top.",
      );
    }
  }
}

export default definePlugin({
  name: "quotes",
  version: "1.0.0",
  description: "A per-channel quote book: !quote, !quote add, search, up/down, top, del.",
  commands: {
    quote: {
      aliases: ["quotes"],
      usage: "!quote [n] | add <text> | search <words> | up|down <n> | top | del <n>",
      help: "Shows, adds, finds and rates quotes. Deleting needs a moderator.",
      handler: quoteCommand,
    },
  },
});
