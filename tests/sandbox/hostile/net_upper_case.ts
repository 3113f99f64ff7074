/**
 * Careless rather than hostile: declares its host in upper case (host names are
 * case-insensitive, RFC 4343) and fetches it as URLs write it, in lower case.
 */
import { definePlugin } from "@quicksilver/sdk";

export default definePlugin({
  name: "net_upper_case",
  version: "0.0.1",
  extras: { net: ["API.Weather.TEST:443"] },
  commands: {
    done: {
      help: "reads the environment (denied and reported): a test's barrier, every earlier " +
        "audited check has been judged once its report arrives",
      handler: () => {
        try {
          Deno.env.get("HOME");
        } catch {
          // denied
        }
        return "done";
      },
    },
    fetch: {
      help: "fetches its declared host",
      handler: async () => {
        const ok = await fetch("https://api.weather.test/").then(() => true, () => false);
        return ok ? "fetched" : "refused";
      },
    },
  },
});
