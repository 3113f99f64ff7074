import assert from "node:assert/strict";
import {
  connectorRole,
  envelopeOf,
  MessagePayloadSchema,
  PluginTableSchema,
  subjects,
} from "@quicksilver/core";
import { CommandRouter, routerRole } from "../../services/router/mod.ts";
import { Inbox, TestNats, waitFor, within } from "@quicksilver/testing";
import { ShellConnector } from "../../connectors/shell/mod.ts";

/** A fake terminal: lines typed into `type`, everything printed collected in `text`. */
class Terminal {
  readonly #input = new TransformStream<Uint8Array, Uint8Array>();
  readonly #writer = this.#input.writable.getWriter();
  readonly #encoder = new TextEncoder();
  text = "";
  readonly input = this.#input.readable;
  readonly output = new WritableStream<Uint8Array>({
    write: (chunk) => {
      this.text += new TextDecoder().decode(chunk);
    },
  });
  async type(line: string): Promise<void> {
    await this.#writer.write(this.#encoder.encode(`${line}\n`));
  }
  async end(): Promise<void> {
    await this.#writer.close();
  }
  async until(fragment: string): Promise<void> {
    await waitFor(() => this.text.includes(fragment), { what: `output containing ${fragment}` });
  }
}

async function startAll(nats: TestNats, terminal: Terminal, options: { settleMs?: number } = {}) {
  const manager = await nats.connect("fake-manager");
  manager.serve(subjects.adminPlugins("list"), () =>
    PluginTableSchema.parse({
      revision: 1,
      plugins: [{
        name: "echo",
        state: "running",
        manifest: {
          name: "echo",
          version: "1",
          commands: [{ name: "echo", usage: "!echo <text>", help: "Says it back." }],
        },
      }],
    }));
  manager.serve(subjects.commandExecute("echo"), (req: { rawArgs: string }) => ({
    ok: true,
    reply: [req.rawArgs],
  }));
  await manager.flush();
  const r = routerRole();
  const router = await CommandRouter.start(await nats.connect(r.name, r.permissions));
  const c = connectorRole("shell");
  const shell = await ShellConnector.start(await nats.connect(c.name, c.permissions), {
    input: terminal.input,
    output: terminal.output,
    replyTimeoutMs: 3000,
    ...(options.settleMs !== undefined ? { settleMs: options.settleMs } : {}),
  });
  return { router, shell, manager };
}

Deno.test("typing !help in the shell prints the help list from the manifests", async () => {
  await using nats = await TestNats.start();
  const terminal = new Terminal();
  const { router, shell } = await startAll(nats, terminal);
  await terminal.type("!help");
  await terminal.until("[bot] Commands: !echo, !help (!help <command> for details)");
  await terminal.type("!echo  hello   world ");
  await terminal.until("[bot] hello   world");
  await terminal.type("/quit");
  assert.equal(await within(shell.done, 5000, "shell to stop on /quit"), "quit");
  await shell.close();
  await router.close();
});

Deno.test("the shell publishes events exactly like a platform connector", async () => {
  await using nats = await TestNats.start();
  const terminal = new Terminal();
  const watcher = await nats.connect("watcher");
  const messages = new Inbox<unknown>();
  const raw = new Inbox<unknown>();
  watcher.subscribe(subjects.allEvents(), (v, ctx) => messages.push({ subject: ctx.subject, v }), {
    schema: envelopeOf(MessagePayloadSchema),
  });
  watcher.subscribe(subjects.allPlatformRaw("shell"), (v) => raw.push(v));
  await watcher.flush();
  const c = connectorRole("shell");
  await using _shell = await ShellConnector.start(await nats.connect(c.name, c.permissions), {
    input: terminal.input,
    output: terminal.output,
    user: "tester",
    rank: 1,
  });
  await terminal.type("hello there");
  await terminal.type("/me waves");
  await terminal.type("/pm rosey !roll 1d6");
  await terminal.type("/pm");
  await waitFor(() => messages.length === 3 && raw.length === 4);
  const [hello, wave, pm] = messages.items as {
    subject: string;
    v: { type: string; source: unknown; payload: Record<string, unknown> };
  }[];
  assert.equal(hello!.subject, subjects.event("message"));
  assert.deepEqual(hello!.v.source, { platform: "shell", channel: "local" });
  assert.deepEqual(hello!.v.payload, { user: { name: "tester", rank: 1 }, text: "hello there" });
  assert.deepEqual(wave!.v.payload.action, true);
  assert.equal(pm!.subject, subjects.event("pm"));
  assert.deepEqual(pm!.v.payload, {
    user: { name: "tester", rank: 1 },
    text: "!roll 1d6",
    to: "rosey",
  });
  assert.match(terminal.text, /usage: \/pm <user> <text>/);
  assert.equal((raw.items[0] as { line: string }).line, "hello there");

  // Actions addressed to the shell are printed; a private one says so.
  watcher.publish(subjects.platformAction("shell", "chat"), {
    channel: "local",
    text: "hi\nthere",
  });
  watcher.publish(subjects.platformAction("shell", "pm"), {
    channel: "local",
    text: "a secret",
    to: "tester",
  });
  await terminal.until("[bot (private)] a secret");
  assert.match(terminal.text, /\[bot\] hi\n\[bot\] there\n/);
});

Deno.test("at end of input the shell waits for the answer to the last command, then stops", async () => {
  await using nats = await TestNats.start();
  const terminal = new Terminal();
  const { router, shell } = await startAll(nats, terminal);
  await terminal.type("!echo last words");
  await terminal.end();
  assert.equal(await within(shell.done, 5000, "shell to stop at EOF"), "eof");
  assert.match(terminal.text, /\[bot\] last words/);
  await shell.close();
  await router.close();
});

Deno.test("the shell prints chat from any publisher with no control or bidi characters", async () => {
  await using nats = await TestNats.start();
  const terminal = new Terminal();
  // Not through the router: the shell is the last line of defence for whatever reaches it.
  const publisher = await nats.connect("anyone");
  const c = connectorRole("shell");
  await using _shell = await ShellConnector.start(await nats.connect(c.name, c.permissions), {
    input: terminal.input,
    output: terminal.output,
  });
  const texts = [
    "\u001b[2J\u001b]0;title\u0007cleared",
    "x\r[you] !inspect plugins",
    "nul\u0000\u009b2J\u202Eevil\u2066",
  ];
  for (const text of texts) {
    publisher.publish(subjects.platformAction("shell", "chat"), { channel: "local", text });
  }
  publisher.publish(subjects.platformAction("shell", "pm"), {
    channel: "local",
    text: "psst\u001b[8m",
    to: "ev\u001b[1mil",
  });
  await terminal.until("psst");
  assert.doesNotMatch(
    terminal.text,
    // deno-lint-ignore no-control-regex -- control characters are what this matches
    /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/,
  );
  const lines = terminal.text.trimEnd().split("\n");
  assert.deepEqual(lines, [
    "[bot] [2J]0;titlecleared",
    "[bot] x [you] !inspect plugins",
    "[bot] nul2Jevil",
    "[bot (private to ev[1mil)] psst[8m",
  ]);
  assert.ok(!lines.some((line) => line.startsWith("[you]")), "no line poses as the user");
});
