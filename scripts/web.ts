/**
 * `deno task web passwd <user>`: reads a password from stdin (the first line; typed at a
 * terminal it is not echoed) and prints the `web.accounts` line to put in `rosey.yaml`. The
 * password itself is never stored or printed.
 *
 *   printf '%s\n' "$PASSWORD" | deno task web passwd alice
 */
import { ACCOUNT_NAME, hashPassword } from "../services/web/mod.ts";

const USAGE = "usage: deno task web passwd <user>   (the password is read from stdin)";

async function readPassword(): Promise<string> {
  const terminal = Deno.stdin.isTerminal();
  if (terminal) {
    Deno.stderr.writeSync(new TextEncoder().encode("password: "));
    Deno.stdin.setRaw(true);
  }
  const bytes: number[] = [];
  const buffer = new Uint8Array(1024);
  try {
    reading: while (true) {
      const n = await Deno.stdin.read(buffer);
      if (n === null) break;
      for (const byte of buffer.subarray(0, n)) {
        if (byte === 0x0a || byte === 0x0d) break reading;
        if (terminal && byte === 0x03) Deno.exit(130); // Ctrl-C in raw mode
        bytes.push(byte);
      }
    }
  } finally {
    if (terminal) {
      Deno.stdin.setRaw(false);
      Deno.stderr.writeSync(new TextEncoder().encode("\n"));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

const [command, user, ...rest] = Deno.args;
if (command !== "passwd" || user === undefined || rest.length > 0) {
  console.error(USAGE);
  Deno.exit(2);
}
if (!ACCOUNT_NAME.test(user)) {
  console.error(
    `${JSON.stringify(user)} is not an account name; use 1-64 letters, digits, "_", "." or "-"`,
  );
  Deno.exit(2);
}
const password = await readPassword();
if (password.length < 8) {
  console.error("the password is shorter than 8 characters; choose a longer one");
  Deno.exit(2);
}
const hash = await hashPassword(password);
console.error("Put this under web.accounts in rosey.yaml:");
console.log(`web:\n  accounts:\n    ${user}: "${hash}"`);
