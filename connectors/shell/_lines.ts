/**
 * Lines from a byte stream, stoppable: when `signal` aborts, the read is cancelled (a pending
 * read on stdin would otherwise keep the process alive until the next Enter).
 */
export async function* readLines(
  input: ReadableStream<Uint8Array>,
  signal: AbortSignal,
): AsyncGenerator<string> {
  const reader = input.getReader();
  const decoder = new TextDecoder();
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener("abort", cancel, { once: true });
  let buffer = "";
  try {
    while (!signal.aborted) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        yield line;
        if (signal.aborted) return;
      }
    }
    buffer += decoder.decode();
    if (buffer && !signal.aborted) yield buffer;
  } finally {
    signal.removeEventListener("abort", cancel);
    try {
      reader.releaseLock();
    } catch {
      // a read still pending after cancel: the lock goes with the stream
    }
  }
}
