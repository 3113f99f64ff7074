/**
 * Request/reply: a service answers with `serve`, a caller asks with `request`, and every failure
 * is a `BusRequestError` with a stable `code`.
 *
 *   deno run -A docs/examples/request_reply.ts
 */
import {
  BusRequestError,
  type CommandExecute,
  CommandExecuteSchema,
  type CommandResult,
  CommandResultSchema,
  RANKS,
  subjects,
} from "@quicksilver/core";
import { connectExample } from "./_connect.ts";

const bus = await connectExample("example-reqrep");

// The service side: requests are validated before the handler runs; a bad request gets
// {ok:false, error:{code:"invalid_args"}} and a throwing handler gets code "failed".
bus.serve(subjects.commandExecute("echo"), (request: CommandExecute): CommandResult => {
  if (request.args.length === 0) throw new Error("nothing to echo");
  return { ok: true, reply: [`${request.user.name} said: ${request.rawArgs}`] };
}, { schema: CommandExecuteSchema });
await bus.flush();

const ask = (rawArgs: string) =>
  bus.request(subjects.commandExecute("echo"), {
    command: "echo",
    args: rawArgs ? rawArgs.split(" ") : [],
    rawArgs,
    user: { name: "alice", rank: RANKS.user },
    source: { platform: "example", channel: "lobby" },
    messageId: "m-1",
    deadlineMs: 2000,
  }, { timeoutMs: 2000, schema: CommandResultSchema });

console.log(JSON.stringify(await ask("hi there")));
console.log(JSON.stringify(await ask(""))); // the handler threw: an error reply, no stack trace

// Nobody serves this plugin: the request fails at once instead of waiting for the timeout.
try {
  await bus.request(subjects.commandExecute("nobody"), {}, { timeoutMs: 2000 });
} catch (error) {
  if (!(error instanceof BusRequestError)) throw error;
  console.log(`failed: ${error.code}`); // timeout | no-responders | permission-denied | ...
}
await bus.close();
