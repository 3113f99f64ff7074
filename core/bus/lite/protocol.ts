/**
 * The NATS client protocol (https://docs.nats.io/reference/reference-protocols/nats-protocol),
 * the server-to-client half: an incremental parser that turns socket reads into operations,
 * however the reads split them.
 *
 * @module
 */

/** The fields of the server's INFO the lite client uses. */
export interface ServerInfo {
  server_id?: string;
  nonce?: string;
  max_payload?: number;
  headers?: boolean;
  tls_required?: boolean;
  auth_required?: boolean;
}

export type ServerOp =
  | {
    op: "MSG";
    subject: string;
    sid: number;
    reply?: string;
    /** The status code of an HMSG's header block (`NATS/1.0 503` → 503), if any. */
    status?: number;
    data: Uint8Array;
  }
  | { op: "PING" }
  | { op: "PONG" }
  | { op: "OK" }
  | { op: "ERR"; message: string }
  | { op: "INFO"; info: ServerInfo };

/** The server broke the protocol; the connection cannot continue. */
export class ProtocolError extends Error {
  override name = "ProtocolError";
}

const LF = 10;
const decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);

export class ProtocolParser {
  /** Bytes of an operation that is not complete yet (owned copy). */
  #rest: Uint8Array = EMPTY;

  /** Parses `chunk` (which the caller may reuse afterwards), emitting every complete operation. */
  push(chunk: Uint8Array, emit: (op: ServerOp) => void): void {
    let buf = chunk;
    if (this.#rest.length > 0) {
      buf = new Uint8Array(this.#rest.length + chunk.length);
      buf.set(this.#rest);
      buf.set(chunk, this.#rest.length);
    }
    let pos = 0;
    while (pos < buf.length) {
      const lf = buf.indexOf(LF, pos);
      if (lf < 0) break;
      const lineEnd = lf > pos && buf[lf - 1] === 13 ? lf - 1 : lf;
      const line = decoder.decode(buf.subarray(pos, lineEnd));
      const bodyStart = lf + 1;
      const consumed = this.#operation(line, buf, bodyStart, emit);
      if (consumed < 0) break; // a payload still on its way: keep from the control line
      pos = consumed;
    }
    if (pos >= buf.length) this.#rest = EMPTY;
    else {
      if (buf.length - pos > 64 * 1024 * 1024) throw new ProtocolError("operation too large");
      this.#rest = buf.slice(pos);
    }
  }

  /** Returns where the next operation starts, or -1 when the payload is not all here. */
  #operation(
    line: string,
    buf: Uint8Array,
    bodyStart: number,
    emit: (op: ServerOp) => void,
  ): number {
    // Messages are nearly every operation: no case folding for the server's own spelling.
    const verb = line.startsWith("MSG ") ? "MSG" : verbOf(line);
    switch (verb) {
      case "MSG":
      case "HMSG": {
        // nats-server separates with single spaces; the protocol also allows tabs and runs.
        let parts = line.split(" ");
        if (parts.includes("") || line.includes("\t")) {
          parts = line.split(/[ \t]+/).filter((p) => p !== "");
        }
        const headered = verb === "HMSG";
        const fixed = headered ? 5 : 4; // verb subject sid [reply] [hdr] total
        if (parts.length !== fixed && parts.length !== fixed + 1) {
          throw new ProtocolError(`malformed ${verb}: ${line.slice(0, 200)}`);
        }
        const hasReply = parts.length === fixed + 1;
        const total = Number(parts[parts.length - 1]);
        const headerBytes = headered ? Number(parts[parts.length - 2]) : 0;
        if (!Number.isSafeInteger(total) || total < 0 || headerBytes < 0 || headerBytes > total) {
          throw new ProtocolError(`malformed ${verb} sizes: ${line.slice(0, 200)}`);
        }
        const end = bodyStart + total;
        if (end + 2 > buf.length) return -1;
        const op: ServerOp & { op: "MSG" } = {
          op: "MSG",
          subject: parts[1]!,
          sid: Number(parts[2]),
          data: buf.slice(bodyStart + headerBytes, end),
        };
        if (hasReply) op.reply = parts[3]!;
        if (headered) {
          const status = statusOf(decoder.decode(buf.subarray(bodyStart, bodyStart + headerBytes)));
          if (status !== undefined) op.status = status;
        }
        emit(op);
        return end + 2;
      }
      case "PING":
        emit({ op: "PING" });
        return bodyStart;
      case "PONG":
        emit({ op: "PONG" });
        return bodyStart;
      case "+OK":
        emit({ op: "OK" });
        return bodyStart;
      case "-ERR":
        emit({ op: "ERR", message: line.slice(4).trim().replace(/^'|'$/g, "") });
        return bodyStart;
      case "INFO": {
        let info: ServerInfo;
        try {
          info = JSON.parse(line.slice(5));
        } catch {
          throw new ProtocolError(`malformed INFO: ${line.slice(0, 200)}`);
        }
        emit({ op: "INFO", info });
        return bodyStart;
      }
      case "":
        return bodyStart;
      default:
        throw new ProtocolError(`unknown operation: ${line.slice(0, 200)}`);
    }
  }
}

function verbOf(line: string): string {
  const end = line.search(/[ \t]/);
  return (end < 0 ? line : line.slice(0, end)).toUpperCase();
}

/** `NATS/1.0 503` (optionally with a description) → 503. */
function statusOf(headers: string): number | undefined {
  const match = /^NATS\/1\.0 (\d{3})/.exec(headers);
  return match ? Number(match[1]) : undefined;
}
