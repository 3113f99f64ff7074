/**
 * Every service and connector the bot runs, one line each. A new service is its own folder
 * (`services/<name>/` with a `component.ts`) plus one line here: its section appears in
 * `rosey.yaml`, its user is minted from its role, and `deno task dev` starts it.
 */
export { routerComponent } from "../services/router/mod.ts";
export { monitorComponent } from "../services/monitor/mod.ts";
export { chatlogComponent } from "../services/chatlog/mod.ts";
export { statsComponent } from "../services/stats/mod.ts";
export { moderatorComponent } from "../services/moderator/mod.ts";
// The component file only: hono and the dashboard load when it starts.
export { webComponent } from "../services/web/component.ts";
// The component file only: the connector itself (socket.io-client) loads when it starts.
export { cytubeComponent } from "../connectors/cytube/component.ts";
export { ircComponent, twitchComponent } from "../connectors/irc/component.ts";
