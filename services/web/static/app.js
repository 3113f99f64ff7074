// The dashboard: one page script for every view, chosen by the path. Data comes from the JSON
// API; live changes from /api/events (server-sent events). Text from the bot (plugin names,
// chat, violation details) is only ever set as textContent, never parsed as HTML.
import { barChart, COLOURS, lineChart } from "./charts.js";

const main = document.getElementById("main");
let csrf = "";

function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(path, options = {}) {
  const response = await fetch(`/api${path}`, {
    ...options,
    headers: { "content-type": "application/json", "x-csrf-token": csrf, ...options.headers },
  });
  if (response.status === 401) location.href = "/login";
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error?.message ?? `${response.status}`);
  return body;
}

const duration = (ms) => {
  if (ms === undefined) return "";
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const hh = Math.floor((s % 86400) / 3600);
  const mm = Math.floor((s % 3600) / 60);
  return d ? `${d}d ${hh}h` : hh ? `${hh}h ${mm}m` : mm ? `${mm}m ${s % 60}s` : `${s}s`;
};
const mib = (bytes) => (bytes === undefined ? "" : `${(bytes / 1048576).toFixed(1)} MiB`);
const when = (ms) => (ms ? new Date(ms).toLocaleString() : "");
const stateCell = (state) => h("td", { class: `state state-${state}`, "data-state": state }, state);

// --- live events ---------------------------------------------------------------------------
const handlers = { status: [], violation: [], chat: [] };
let lastStatus;
function onLive(event, handler) {
  handlers[event].push(handler);
  if (event === "status" && lastStatus) handler(lastStatus);
}
function connectLive() {
  const badge = document.getElementById("live");
  const source = new EventSource("/api/events");
  source.addEventListener("open", () => {
    badge.textContent = "live";
    badge.classList.add("on");
  });
  source.addEventListener("error", () => {
    badge.textContent = "reconnecting";
    badge.classList.remove("on");
  });
  for (const event of Object.keys(handlers)) {
    source.addEventListener(event, (message) => {
      const data = JSON.parse(message.data);
      if (event === "status") lastStatus = data;
      for (const handler of handlers[event]) handler(data);
    });
  }
}

// --- overview ------------------------------------------------------------------------------
function overview() {
  const components = h("tbody");
  const plugins = h("tbody");
  const violations = h("tbody");
  main.append(
    h("h1", {}, "Overview"),
    h("h2", {}, "Components"),
    h(
      "table",
      { id: "components" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Component", "State", "Uptime", "Memory", "Figures"].map((t) => h("th", {}, t)),
        ),
      ),
      components,
    ),
    h("h2", {}, "Plugins"),
    h(
      "table",
      { id: "plugins" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          [
            "Plugin",
            "State",
            "Uptime",
            "Restarts",
            "CPU",
            "Memory",
            "Messages",
            "Violations",
            "Reason",
          ].map((t) => h("th", {}, t)),
        ),
      ),
      plugins,
    ),
    h("h2", {}, "Latest violations"),
    h("table", { id: "latest-violations" }, violationHead(), violations),
  );
  onLive("status", (table) => {
    components.replaceChildren(
      ...table.components.map((c) =>
        h(
          "tr",
          { "data-component": c.component },
          h("td", {}, c.component),
          stateCell(c.state),
          h("td", {}, duration(c.uptimeMs)),
          h("td", {}, mib(c.rssBytes)),
          h(
            "td",
            { class: "muted" },
            Object.entries(c.stats ?? {}).map(([k, v]) => `${k} ${v}`).join(", "),
          ),
        )
      ),
    );
    plugins.replaceChildren(
      ...table.plugins.map((p) =>
        h(
          "tr",
          { "data-plugin": p.name },
          h("td", {}, h("a", { href: `/plugins/${encodeURIComponent(p.name)}` }, p.name)),
          stateCell(p.state),
          h(
            "td",
            {},
            p.startedAt && p.state === "running" ? duration(table.time - p.startedAt) : "",
          ),
          h("td", {}, p.restarts),
          h("td", {}, p.cpuPercent === undefined ? "" : `${p.cpuPercent.toFixed(1)}%`),
          h("td", {}, mib(p.rssBytes)),
          h("td", {}, p.messages ?? ""),
          h("td", {}, p.violations),
          h("td", { class: "muted" }, p.reason ?? ""),
        )
      ),
    );
  });
  api("/violations").then((body) => {
    for (const v of body.violations.slice(0, 10)) violations.append(violationRow(v));
  });
  onLive("violation", (v) => {
    violations.prepend(violationRow(v));
    while (violations.children.length > 10) violations.lastChild.remove();
  });
}

// --- violations ----------------------------------------------------------------------------
function violationHead() {
  return h(
    "thead",
    {},
    h("tr", {}, ["Time", "Plugin", "Kind", "Detail", "Action"].map((t) => h("th", {}, t))),
  );
}
function violationRow(v) {
  return h(
    "tr",
    { "data-violation-plugin": v.plugin },
    h("td", {}, when(v.time)),
    h("td", {}, v.plugin),
    h("td", {}, v.kind),
    h("td", {}, v.detail),
    h("td", {}, v.action),
  );
}
async function violationsPage() {
  const rows = h("tbody");
  main.append(h("h1", {}, "Violations"), h("table", { id: "violations" }, violationHead(), rows));
  const body = await api("/violations");
  rows.append(...body.violations.map(violationRow));
  onLive("violation", (v) => rows.prepend(violationRow(v)));
}

// --- plugin --------------------------------------------------------------------------------
async function pluginPage(name) {
  const state = h("span", { id: "plugin-state" });
  const message = h("p", { id: "plugin-message", class: "muted" });
  const control = (op) =>
    h("button", {
      "data-op": op,
      onclick: async () => {
        message.textContent = `${op}...`;
        try {
          const body = await api(`/plugins/${encodeURIComponent(name)}/${op}`, { method: "POST" });
          message.textContent = `${op}: ${body.plugin?.state ?? "done"}`;
        } catch (error) {
          message.textContent = `${op} failed: ${error.message}`;
        }
      },
    }, op);
  main.append(
    h("h1", {}, "Plugin ", h("span", { id: "plugin-name" }, name), " ", state),
    h(
      "div",
      { class: "actions" },
      control("start"),
      control("stop"),
      control("restart"),
      control("release"),
    ),
    message,
  );
  const detail = await api(`/plugins/${encodeURIComponent(name)}`);
  const manifest = detail.plugin.manifest;
  const accessCard = h("div", { class: "card", id: "access" });
  let shownAccess = JSON.stringify(detail.plugin.access ?? null);
  renderAccess(accessCard, name, detail.plugin.access);
  main.append(
    h(
      "div",
      { class: "grid" },
      h(
        "div",
        { class: "card" },
        h("h2", {}, "Manifest"),
        h(
          "p",
          {},
          manifest
            ? `${manifest.name} ${manifest.version}: ${manifest.description}`
            : "not described yet",
        ),
        h(
          "table",
          { id: "commands" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["Command", "Aliases", "Min rank", "Cooldown", "Help"].map((t) => h("th", {}, t)),
            ),
          ),
          h(
            "tbody",
            {},
            (manifest?.commands ?? []).map((c) =>
              h(
                "tr",
                {},
                h("td", {}, c.name),
                h("td", {}, (c.aliases ?? []).join(", ")),
                h("td", {}, c.minRank ?? ""),
                h("td", {}, c.cooldownMs ? `${c.cooldownMs} ms` : ""),
                h("td", {}, c.help ?? ""),
              )
            ),
          ),
        ),
        h("p", {}, "Events: ", (manifest?.events ?? []).join(", ") || "none"),
      ),
      accessCard,
    ),
    h("h2", {}, "Recent log lines"),
    h(
      "pre",
      { class: "log", id: "plugin-log" },
      detail.log.map((l) => `${l.time} ${l.level} ${l.msg}${l.line ? `: ${l.line}` : ""}\n`).join(
        "",
      ) || "(none)",
    ),
  );
  onLive("status", (table) => {
    const p = table.plugins.find((x) => x.name === name);
    // A new launch may be granted other things (rosey.yaml changed): show what it runs with.
    const access = JSON.stringify(p?.access ?? null);
    if (p?.access && access !== shownAccess) {
      shownAccess = access;
      renderAccess(accessCard, name, p.access);
    }
    state.className = `state state-${p?.state ?? "unknown"}`;
    state.dataset.state = p?.state ?? "unknown";
    state.textContent = p?.state ?? "unknown";
  });
}

/**
 * Grants asked for and granted, one row per item, and the limits of its last launch, from the
 * `access` the plugin manager publishes in the plugin table. An item asked for and not granted
 * is marked (`data-granted="no"`): the plugin runs without it.
 */
function renderAccess(card, name, access) {
  const check = h("code", {}, `deno task plugins check plugins/${name}.ts`);
  if (!access) {
    card.replaceChildren(
      h("h2", {}, "Grants and limits"),
      h(
        "p",
        { class: "muted" },
        "Not launched yet: shown from its first launch. Meanwhile: ",
        check,
      ),
    );
    return;
  }
  const KINDS = { net: "network", publish: "publish", subscribe: "subscribe", npm: "npm" };
  const rows = [];
  for (const [kind, label] of Object.entries(KINDS)) {
    const asked = access.asked[kind] ?? [];
    const granted = access.granted[kind] ?? [];
    // `*` asked in net: "whatever hosts the operator grants"; the hosts granted answer it.
    const anyHost = kind === "net" && asked.includes("*");
    for (const item of [...new Set([...asked, ...granted])]) {
      const wasAsked = asked.includes(item) || anyHost;
      const wasGranted = item === "*" ? granted.length > 0 : granted.includes(item);
      rows.push(
        grantRow(label, item === "*" ? "* (any host you grant)" : item, wasAsked, wasGranted),
      );
    }
  }
  if (access.askedMemoryMb !== undefined) {
    const enough = access.limits.memoryMb >= access.askedMemoryMb;
    rows.push(grantRow("memory", `${access.askedMemoryMb} MiB`, true, enough));
  }
  const l = access.limits;
  const limit = (label, value) => h("tr", {}, h("th", {}, label), h("td", {}, value));
  // DOM's replaceChildren writes `undefined` as text: the optional parts are filtered out.
  card.replaceChildren(...[
    h("h2", {}, "Grants"),
    rows.length > 0
      ? h(
        "table",
        { id: "grants" },
        h(
          "thead",
          {},
          h("tr", {}, ["Kind", "Item", "Asked for", "Granted"].map((t) => h("th", {}, t))),
        ),
        h("tbody", {}, rows),
      )
      : h("p", { class: "muted" }, "It asks for no extras."),
    access.notGranted.length > 0
      ? h(
        "p",
        { class: "not-granted", id: "not-granted" },
        `Asked for but not granted (grant them in plugins.${name} of rosey.yaml): `,
        access.notGranted.join("; "),
      )
      : undefined,
    h(
      "p",
      { class: "muted" },
      "Every plugin also gets its own data dir, the NATS server, and its commands' and events' subjects. Its flags and NATS rights: ",
      check,
    ),
    h("h2", {}, "Limits"),
    h(
      "table",
      { id: "limits" },
      h(
        "tbody",
        {},
        limit("memory", `${l.memoryMb} MiB${l.heapMb ? ` (JS heap ${l.heapMb} MiB)` : ""}`),
        limit("cpu", `${l.cpu} of a core`),
        limit("tasks (pids)", l.pids),
        limit("open files", l.openFiles),
        limit("data quota", `${l.dataMb} MiB`),
        limit("storage entries", `${l.dataFiles} files and folders`),
        limit("cpu time", l.cpuSecondsBackstop ? `${l.cpuSecondsBackstop} s in total` : "no cap"),
      ),
    ),
  ].filter((part) => part !== undefined));
}

function grantRow(kind, item, asked, granted) {
  const state = granted ? (asked ? "granted" : "granted, not asked") : "asked, NOT granted";
  return h(
    "tr",
    { "data-granted": granted ? "yes" : "no", class: granted ? "" : "not-granted" },
    h("td", {}, kind),
    h("td", {}, h("code", {}, item)),
    h("td", {}, asked ? "yes" : "no"),
    h("td", {}, state),
  );
}

// --- channel -------------------------------------------------------------------------------
async function channelPage(platform, channel) {
  main.append(h("h1", {}, `${channel} `, h("span", { class: "muted" }, `on ${platform}`)));
  const chat = h("div", { class: "chat", id: "chat" });
  const addLine = (e) => {
    const who = e.payload.user?.name ?? "";
    const text = e.type === "media.change"
      ? `now playing: ${e.payload.media?.title ?? ""}`
      : e.type === "user.join"
      ? "joined"
      : e.type === "user.leave"
      ? "left"
      : e.payload.text ?? "";
    chat.append(
      h(
        "div",
        {},
        h("span", { class: "muted" }, new Date(e.time).toLocaleTimeString(), " "),
        h("span", { class: "who" }, who, " "),
        text,
      ),
    );
    chat.scrollTop = chat.scrollHeight;
  };
  let body;
  try {
    body = await api(`/channel/${encodeURIComponent(platform)}/${encodeURIComponent(channel)}`);
  } catch (error) {
    main.append(h("p", { class: "error" }, error.message));
    return;
  }
  const s = body.snapshot;
  const say = h("input", { id: "say-text", placeholder: "say something as the bot", size: 60 });
  const sayStatus = h("span", { class: "muted" });
  main.append(
    h(
      "p",
      {},
      s.connected ? "connected" : "not connected",
      s.server ? ` to ${s.server}` : "",
      ` · ${s.users.length} in chat, ${s.userCount} connected`,
      s.leader ? ` · leader ${s.leader}` : "",
    ),
    h(
      "div",
      { class: "grid" },
      h(
        "div",
        { class: "card" },
        h("h2", {}, "Users"),
        h(
          "table",
          { id: "users" },
          h(
            "tbody",
            {},
            [...s.users].sort((a, b) => b.rank - a.rank).map((u) =>
              h(
                "tr",
                {},
                h("td", {}, u.name),
                h("td", {}, `rank ${u.rank}`),
                h(
                  "td",
                  { class: "muted" },
                  [u.afk && "AFK", u.muted && "muted"].filter(Boolean).join(" "),
                ),
              )
            ),
          ),
        ),
      ),
      h(
        "div",
        { class: "card" },
        h("h2", {}, "Now playing"),
        h(
          "p",
          { id: "now-playing" },
          s.current
            ? `${s.current.media.title} (${s.current.paused ? "paused" : "playing"})`
            : "nothing",
        ),
        h("h2", {}, `Playlist (${s.playlist.length})`),
        h("ol", { id: "playlist" }, s.playlist.map((item) => h("li", {}, item.media.title))),
      ),
    ),
    h("h2", {}, "Chat"),
    chat,
    h(
      "form",
      {
        onsubmit: async (event) => {
          event.preventDefault();
          try {
            await api("/say", {
              method: "POST",
              body: JSON.stringify({ platform, channel, text: say.value }),
            });
            sayStatus.textContent = "queued";
            say.value = "";
          } catch (error) {
            sayStatus.textContent = error.message;
          }
        },
      },
      say,
      " ",
      h("button", { type: "submit" }, "Say"),
      " ",
      sayStatus,
    ),
  );
  body.chat.forEach(addLine);
  onLive("chat", (e) => {
    if (e.source.platform === platform && e.source.channel === channel) addLine(e);
  });
}

// --- stats ---------------------------------------------------------------------------------
async function statsPage() {
  main.append(h("h1", {}, "Stats"));
  const { channels } = await api("/channels");
  const history = await api("/history/24");
  for (const source of channels) {
    const q = `platform=${encodeURIComponent(source.platform)}&channel=${
      encodeURIComponent(source.channel)
    }`;
    const section = h(
      "section",
      { "data-channel": `${source.platform}/${source.channel}` },
      h(
        "h2",
        {},
        h("a", {
          href: `/channels/${encodeURIComponent(source.platform)}/${
            encodeURIComponent(source.channel)
          }`,
        }, source.channel),
        h("span", { class: "muted" }, ` on ${source.platform}`),
      ),
    );
    main.append(section);
    const samples = history.samples.filter((s) =>
      s.platform === source.platform && s.channel === source.channel
    );
    const lines = [];
    for (let i = 1; i < samples.length; i++) {
      const a = samples[i - 1].chatLines, b = samples[i].chatLines;
      if (a !== undefined && b !== undefined) lines.push([samples[i].time, Math.max(0, b - a)]);
    }
    try {
      const { stats } = await api(`/stats?${q}`);
      section.append(
        h(
          "div",
          { class: "figures" },
          h(
            "div",
            { class: "figure" },
            h("b", { id: "peak-chat" }, stats.peakChatUsers.count),
            "peak users in chat ",
            h("span", { class: "muted" }, when(stats.peakChatUsers.at)),
          ),
          h(
            "div",
            { class: "figure" },
            h("b", {}, stats.peakViewers.count),
            "peak viewers ",
            h("span", { class: "muted" }, when(stats.peakViewers.at)),
          ),
          h("div", { class: "figure" }, h("b", {}, stats.uniqueUsers), "unique users"),
          h(
            "div",
            { class: "figure" },
            h("b", { id: "total-lines" }, stats.totalChatLines),
            "chat lines",
          ),
        ),
        h("h2", {}, "Top chatters"),
        barChart(stats.topChatters.map((c) => ({ label: c.name, value: c.lines }))),
      );
    } catch (error) {
      section.append(h("p", { class: "error" }, `stats: ${error.message}`));
    }
    section.append(
      h("h2", {}, "Users over the last 24 hours"),
      h(
        "div",
        { class: "legend" },
        h("span", {}, h("i", { class: "c0" }), "in chat"),
        h("span", {}, h("i", { class: "c1" }), "connected"),
      ),
      lineChart([
        { name: "users", points: samples.map((s) => [s.time, s.users]) },
        { name: "viewers", points: samples.map((s) => [s.time, s.viewers]) },
      ]),
      h("h2", {}, "Chat lines per interval"),
      lineChart([{ name: "chat lines", points: lines }]),
    );
  }
  if (channels.length === 0) main.append(h("p", { class: "muted" }, "no channel is configured"));
  document.querySelectorAll(".legend i").forEach((i, n) => (i.style.background = COLOURS[n % 2]));
}

// --- start ---------------------------------------------------------------------------------
async function start() {
  const session = await api("/session");
  csrf = session.csrf ?? "";
  const nav = document.getElementById("nav");
  api("/channels").then(({ channels }) => {
    for (const c of channels) {
      nav.append(
        h("a", {
          href: `/channels/${encodeURIComponent(c.platform)}/${encodeURIComponent(c.channel)}`,
        }, c.channel),
      );
    }
  });
  connectLive();
  const path = location.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (path.length === 0) overview();
  else if (path[0] === "stats") await statsPage();
  else if (path[0] === "violations") await violationsPage();
  else if (path[0] === "plugins" && path[1]) await pluginPage(path[1]);
  else if (path[0] === "channels" && path[2]) await channelPage(path[1], path[2]);
  document.body.dataset.ready = "true";
}
start().catch((error) => main.append(h("p", { class: "error" }, String(error.message ?? error))));
