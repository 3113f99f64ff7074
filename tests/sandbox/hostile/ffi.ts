/** Hostile: loads libc through FFI (FFI amounts to --allow-all). */
import { definePlugin } from "@quicksilver/sdk";

export default definePlugin({
  name: "ffi",
  version: "0.0.1",
  setup() {
    try {
      Deno.dlopen("libc.so.6", { getpid: { parameters: [], result: "i32" } });
    } catch {
      // denied
    }
  },
});
