/**
 * The lite client's protocol parser: socket reads split operations anywhere (a payload, a
 * control line, the CRLF), and the parser must not care. The wire text is what nats-server
 * 2.9 sends; the client itself is tested against a real server in the event_bus_* tests.
 */
import assert from "node:assert/strict";
import { ProtocolError, ProtocolParser, type ServerOp } from "../../core/bus/lite/mod.ts";

const WIRE = 'INFO {"server_id":"N1","max_payload":1048576,"nonce":"abc","headers":true}\r\n' +
  "PING\r\n" +
  "MSG t.events.message 1 12\r\n" + '{"text":"hi"}'.slice(0, 12) + "\r\n" +
  "MSG a.b 2 _INBOX.x.1 0\r\n\r\n" +
  "HMSG _INBOX.x.2 3 16 16\r\nNATS/1.0 503\r\n\r\n\r\n" +
  "HMSG a.c 4 21 26\r\nNATS/1.0\r\nX-Id: 7\r\n\r\nhello\r\n" +
  "MSG bin 5 4\r\n\r\n\r\n\r\n" +
  "-ERR 'Permissions Violation for Publish to \"x.y\"'\r\n" +
  "+OK\r\nPONG\r\n";

function parseAll(chunks: Uint8Array[]): ServerOp[] {
  const parser = new ProtocolParser();
  const ops: ServerOp[] = [];
  for (const chunk of chunks) parser.push(chunk, (op) => ops.push(op));
  return ops;
}

const text = (ops: ServerOp[]) =>
  ops.map((op) => op.op === "MSG" ? { ...op, data: new TextDecoder().decode(op.data) } : op);

Deno.test("the lite parser reads every operation the server sends", () => {
  const ops = text(parseAll([new TextEncoder().encode(WIRE)]));
  assert.deepEqual(ops, [
    {
      op: "INFO",
      info: { server_id: "N1", max_payload: 1048576, nonce: "abc", headers: true },
    },
    { op: "PING" },
    { op: "MSG", subject: "t.events.message", sid: 1, data: '{"text":"hi"' },
    { op: "MSG", subject: "a.b", sid: 2, reply: "_INBOX.x.1", data: "" },
    { op: "MSG", subject: "_INBOX.x.2", sid: 3, status: 503, data: "" },
    { op: "MSG", subject: "a.c", sid: 4, data: "hello" },
    { op: "MSG", subject: "bin", sid: 5, data: "\r\n\r\n" },
    { op: "ERR", message: 'Permissions Violation for Publish to "x.y"' },
    { op: "OK" },
    { op: "PONG" },
  ]);
});

Deno.test("the lite parser gives the same operations however the reads are split", () => {
  const bytes = new TextEncoder().encode(WIRE);
  const whole = text(parseAll([bytes]));
  for (let cut = 1; cut < bytes.length; cut++) {
    // The caller reuses its read buffer: the parser must copy what it keeps.
    const first = bytes.slice(0, cut);
    const parser = new ProtocolParser();
    const ops: ServerOp[] = [];
    parser.push(first, (op) => ops.push(op));
    first.fill(0);
    parser.push(bytes.slice(cut), (op) => ops.push(op));
    assert.deepEqual(text(ops), whole, `split at byte ${cut}`);
  }
  const oneByOne = parseAll([...bytes].map((b) => new Uint8Array([b])));
  assert.deepEqual(text(oneByOne), whole, "one byte per read");
});

Deno.test("the lite parser refuses what no NATS server sends", () => {
  for (const wire of ["BOGUS\r\n", "MSG a\r\n", "MSG a 1 -4\r\n", "INFO {nope\r\n"]) {
    assert.throws(
      () => parseAll([new TextEncoder().encode(wire)]),
      ProtocolError,
      JSON.stringify(wire),
    );
  }
});

Deno.test("the lite parser accepts tabs, runs of spaces and lower-case verbs", () => {
  const ops = text(
    parseAll([new TextEncoder().encode("msg\ta.b  7\t_INBOX.r 2\r\nhi\r\nping\r\n")]),
  );
  assert.deepEqual(ops, [
    { op: "MSG", subject: "a.b", sid: 7, reply: "_INBOX.r", data: "hi" },
    { op: "PING" },
  ]);
});
