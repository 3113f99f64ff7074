/** Text shown to people: {@linkcode sanitizeChatText} removes what could steer a screen. */
export * from "./chat_text.ts";
