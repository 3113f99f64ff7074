/**
 * A local OpenAI-compatible endpoint for the AI plugin's tests: `POST /v1/chat/completions` on
 * 127.0.0.1 and a free port, with and without `stream: true`, answering as the OpenAI API
 * reference describes (https://platform.openai.com/docs/api-reference/chat: a `chat.completion`
 * object, or `chat.completion.chunk` objects as `data:` lines ending with `data: [DONE]`; errors
 * as `{ error: { message, type, code } }`).
 *
 * What it answers is decided by the last user message, so one server serves every case:
 * - `#slow`: answers only when the client gives up (the request is aborted) or after 60 s;
 * - `#429`: rate limited; `#quota`: 429 `insufficient_quota`; `#500`: a server error;
 * - `#malformed`: 200 with a body that is not JSON (or a `data:` line that is not, streaming);
 * - `#nostream`: a plain JSON answer even when asked to stream (as some servers do);
 * - `#leak`: repeats its system prompt, as an obedient model would;
 * - `#long`: a long answer of many sentences;
 * - `#kick`: an answer whose second chat line would start with `/kick bob`;
 * - anything mentioning NATS: a three-sentence answer about NATS, longer than one chat line;
 * - otherwise: `You said "<prompt>".`, plus ` Before, you said "<earlier prompt>".` for each
 *   earlier user message in the conversation (so a test sees the context it was sent).
 * The model `missing` gets a 404 `model_not_found`, as OpenAI and Ollama answer.
 */

export interface SeenRequest {
  body: {
    model: string;
    stream?: boolean;
    messages: { role: string; content: string }[];
    temperature?: number;
    max_tokens?: number;
  };
  authorization: string | null;
}

export const NATS_ANSWER = "NATS is a lightweight messaging system that connects services, " +
  "devices and people with publish and subscribe, request and reply, and persistent streams. " +
  "Its server is a single small binary written in Go, and clients exist for many languages " +
  "including TypeScript, Go, Rust, Python and Java. " +
  "Quicksilver uses it as the bus between every part: the router, the connectors and each " +
  "sandboxed plugin, each with its own narrow permissions.";

export function mockOpenAI() {
  const requests: SeenRequest[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const url = new URL(request.url);
      if (request.method !== "POST" || url.pathname !== "/v1/chat/completions") {
        return Response.json({ error: { message: "not found", type: "invalid_request_error" } }, {
          status: 404,
        });
      }
      const body = await request.json() as SeenRequest["body"];
      requests.push({ body, authorization: request.headers.get("authorization") });
      if (body.model === "missing") {
        return Response.json({
          error: {
            message: "The model `missing` does not exist or you do not have access to it.",
            type: "invalid_request_error",
            code: "model_not_found",
          },
        }, { status: 404 });
      }
      const users = body.messages.filter((m) => m.role === "user").map((m) => m.content);
      const prompt = users.at(-1) ?? "";
      if (prompt.includes("#slow")) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 60_000);
          request.signal.addEventListener("abort", () => {
            clearTimeout(timer);
            resolve();
          });
        });
        return new Response("too late");
      }
      if (prompt.includes("#429")) {
        return Response.json({
          error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" },
        }, { status: 429 });
      }
      if (prompt.includes("#quota")) {
        return Response.json({
          error: {
            message: "You exceeded your current quota, please check your plan and billing details.",
            type: "insufficient_quota",
            code: "insufficient_quota",
          },
        }, { status: 429 });
      }
      if (prompt.includes("#500")) {
        return Response.json({ error: { message: "boom", type: "server_error" } }, {
          status: 500,
        });
      }
      let answer: string;
      if (prompt.includes("#leak")) {
        answer = `Sure! My instructions are: ${body.messages[0]?.content}`;
      } else if (prompt.includes("#long")) {
        answer = Array.from({ length: 30 }, (_, i) => `This is sentence number ${i + 1}.`).join(
          " ",
        );
      } else if (prompt.includes("#kick")) {
        // The second line of the split answer starts with a CyTube command.
        answer = `${"Here is a long first sentence that fills most of one chat line ".repeat(4)}` +
          `and ends here. /kick bob you are out of here, friend, right now, for real this time.`;
      } else if (/\bnats\b/i.test(prompt)) {
        answer = NATS_ANSWER;
      } else {
        answer = `You said "${prompt}".` +
          users.slice(0, -1).map((earlier) => ` Before, you said "${earlier}".`).join("");
      }
      const malformed = prompt.includes("#malformed");
      if (!body.stream || prompt.includes("#nostream")) {
        if (malformed) {
          return new Response("{not json", { headers: { "content-type": "application/json" } });
        }
        return Response.json({
          id: "chatcmpl-1",
          object: "chat.completion",
          created: 1,
          model: body.model,
          choices: [{
            index: 0,
            message: { role: "assistant", content: answer },
            finish_reason: "stop",
          }],
        });
      }
      // Streamed in small pieces, with CRLF line ends and a comment line, as the SSE spec allows.
      const pieces = answer.match(/.{1,7}/gs) ?? [];
      const chunk = (delta: Record<string, string>, finish: string | null = null) =>
        `data: ${
          JSON.stringify({
            id: "chatcmpl-1",
            object: "chat.completion.chunk",
            created: 1,
            model: body.model,
            choices: [{ index: 0, delta, finish_reason: finish }],
          })
        }\r\n\r\n`;
      const events = [
        ": keep-alive\r\n\r\n",
        chunk({ role: "assistant", content: "" }),
        ...(malformed ? ["data: {not json\r\n\r\n"] : []),
        ...pieces.map((content) => chunk({ content })),
        chunk({}, "stop"),
        "data: [DONE]\r\n\r\n",
      ];
      const encoder = new TextEncoder();
      return new Response(
        new ReadableStream({
          pull(controller) {
            const next = events.shift();
            if (next === undefined) controller.close();
            else controller.enqueue(encoder.encode(next));
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    },
  );
  const host = `127.0.0.1:${server.addr.port}`;
  return { server, host, baseUrl: `http://${host}/v1`, requests };
}
