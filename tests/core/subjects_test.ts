/**
 * The subject tree as the wire sees it. This is the one test file that spells subjects as
 * literals (the no-literals test exempts it): it pins the wire format that other processes and
 * other languages depend on. Everything else asserts through the builders.
 */
import assert from "node:assert/strict";
import {
  anySubjectMatches,
  EVENT_TYPES,
  inboxPrefix,
  isConcreteSubject,
  patternCovers,
  ROOT,
  STREAMS,
  SubjectError,
  subjectMatches,
  subjects,
  subjectsOverlap,
  token,
} from "@quicksilver/core";

type Builder = (...args: string[]) => string;
const builders = subjects as unknown as Record<string, Builder>;

/** Sample arguments for a builder, by name: every builder gets called with valid data. */
function sampleArgs(name: string, arity: number): string[] {
  if (name === "event") return ["user.join"];
  if (name === "platformRaw") return ["cytube", "chat.msg"];
  if (name === "plugin") return ["dice", "game.started"];
  if (name === "anyPlatformAction") return ["chat"];
  if (name === "anyPlatformState") return ["snapshot"];
  if (name === "statsQuery") return ["channel"];
  if (name === "statsAnswers") return ["svc-web"];
  if (name === "actionOutcome") return ["cytube", "svc-moderator", "m1"];
  if (name === "actionOutcomesOf") return ["svc-moderator"];
  const samples = ["cytube", "chat", "x"];
  return samples.slice(0, arity);
}

/** Every builder called once with sample data: `[name, subject]`. */
function everySubject(): [string, string][] {
  return Object.entries(builders).map(([name, build]) => [
    name,
    build(...sampleArgs(name, build.length)),
  ]);
}

/** True when some concrete subject matches both patterns. */
function patternsIntersect(a: string, b: string): boolean {
  const pa = a.split(".");
  const pb = b.split(".");
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const ta = pa[i];
    const tb = pb[i];
    if (ta === ">" || tb === ">") return ta !== undefined && tb !== undefined;
    if (ta === undefined || tb === undefined) return false;
    if (ta !== "*" && tb !== "*" && ta !== tb) return false;
  }
  return true;
}

Deno.test("the subject tree is spelled as the wire format documents it", () => {
  assert.equal(ROOT, "rosey");
  assert.deepEqual(everySubjectTable(), {
    platformRaw: "rosey.platform.cytube.raw.chat.msg",
    allPlatformRaw: "rosey.platform.cytube.raw.>",
    platformAction: "rosey.platform.cytube.action.chat",
    allPlatformActions: "rosey.platform.cytube.action.*",
    everyPlatformAction: "rosey.platform.*.action.*",
    anyPlatformAction: "rosey.platform.*.action.chat",
    actionOutcome: "rosey.platform.cytube.outcome.svc-moderator.m1",
    allActionOutcomes: "rosey.platform.cytube.outcome.>",
    actionOutcomesOf: "rosey.platform.*.outcome.svc-moderator.>",
    platformState: "rosey.platform.cytube.state.chat",
    anyPlatformState: "rosey.platform.*.state.snapshot",
    allPlatformState: "rosey.platform.cytube.state.*",
    allPlatform: "rosey.platform.>",
    event: "rosey.events.user.join",
    allEvents: "rosey.events.>",
    chatEvents: "rosey.events.*",
    commandExecute: "rosey.commands.cytube.execute",
    commandResult: "rosey.commands.cytube.result",
    pluginCommands: "rosey.commands.cytube.>",
    allCommandResults: "rosey.commands.*.result",
    allCommandExecutes: "rosey.commands.*.execute",
    allCommands: "rosey.commands.>",
    plugin: "rosey.plugins.dice.game.started",
    pluginSay: "rosey.plugins.cytube.say",
    allPluginSay: "rosey.plugins.*.say",
    pluginHeartbeat: "rosey.plugins.cytube.heartbeat",
    allPluginHeartbeats: "rosey.plugins.*.heartbeat",
    pluginControl: "rosey.plugins.cytube.control",
    allPluginControl: "rosey.plugins.*.control",
    pluginAll: "rosey.plugins.cytube.>",
    allPlugins: "rosey.plugins.>",
    securityViolation: "rosey.security.violation",
    securityRestricted: "rosey.security.plugin.restricted",
    allSecurity: "rosey.security.>",
    monitoringHealth: "rosey.monitoring.health",
    monitoringMetrics: "rosey.monitoring.metrics",
    allMonitoring: "rosey.monitoring.>",
    adminPlugins: "rosey.admin.plugins.cytube",
    pluginManifests: "rosey.admin.plugins.manifests",
    adminStatus: "rosey.admin.status",
    allAdmin: "rosey.admin.>",
    audit: "rosey.audit.cytube",
    allAudit: "rosey.audit.>",
    statsQuery: "rosey.stats.query.channel",
    allStatsQueries: "rosey.stats.query.*",
    statsAnswers: "rosey.stats.answer.svc-web",
    allStatsAnswers: "rosey.stats.answer.>",
    all: "rosey.>",
  });
  assert.equal(inboxPrefix("plugin-dice"), "_INBOX.plugin-dice");
  assert.deepEqual(STREAMS, {
    events: "ROSEY_EVENTS",
    actions: "ROSEY_ACTIONS",
    chatLog: "ROSEY_CHATLOG",
    audit: "ROSEY_AUDIT",
    leases: "KV_rosey_leases",
  });
});

function everySubjectTable(): Record<string, string> {
  return Object.fromEntries(everySubject());
}

Deno.test("every normalized event type has a subject under the events branch", () => {
  for (const type of Object.values(EVENT_TYPES)) {
    const subject = subjects.event(type);
    assert.ok(subjectMatches(subjects.allEvents(), subject), subject);
    assert.ok(isConcreteSubject(subject), subject);
  }
});

Deno.test("every builder yields a well-formed subject under the root", () => {
  for (const [name, subject] of everySubject()) {
    assert.ok(subjectMatches(subjects.all(), subject), `${name}: ${subject} is under the root`);
    assert.ok(!/\s|\.\.|^\.|\.$/.test(subject), `${name}: ${subject} has no empty tokens`);
    const isPattern = /(^|\.)(\*|>)(\.|$)/.test(subject);
    assert.equal(isConcreteSubject(subject), !isPattern, `${name}: ${subject}`);
    if (!isPattern) {
      assert.ok(!name.startsWith("all"), `${name} builds a concrete subject, not a pattern`);
    }
  }
});

Deno.test("inbound and outbound subjects never collide", () => {
  // The branches a subject can belong to, by direction. Each concrete subject any builder makes
  // belongs to exactly one of them, and no two branches share a subject.
  const platform = "cytube";
  const branches: Record<string, string> = {
    "platform raw (in)": subjects.allPlatformRaw(platform),
    "platform actions (out)": `${subjects.allPlatformActions(platform).slice(0, -1)}>`,
    "platform state (request/reply)": `${subjects.allPlatformState(platform).slice(0, -1)}>`,
    "action outcomes (connector -> asker, durable mode)": subjects.allActionOutcomes(platform),
    "normalized events (in)": subjects.allEvents(),
    "command executes (router -> plugin)": subjects.allCommandExecutes(),
    "command results (plugin -> bus)": subjects.allCommandResults(),
    "plugins' own events": subjects.allPlugins(),
    "security": subjects.allSecurity(),
    "monitoring": subjects.allMonitoring(),
    "admin": subjects.allAdmin(),
    "audit": subjects.allAudit(),
    "stats queries (request/reply)": subjects.allStatsQueries(),
    "stats answers (stats -> asker)": subjects.allStatsAnswers(),
  };
  const names = Object.keys(branches);
  for (const [i, a] of names.entries()) {
    for (const b of names.slice(i + 1)) {
      assert.ok(
        !patternsIntersect(branches[a]!, branches[b]!),
        `${a} (${branches[a]}) and ${b} (${branches[b]}) share subjects`,
      );
    }
  }
  for (const [name, subject] of everySubject()) {
    if (!isConcreteSubject(subject)) continue;
    const homes = names.filter((branch) => subjectMatches(branches[branch]!, subject));
    assert.equal(homes.length, 1, `${name}: ${subject} belongs to ${JSON.stringify(homes)}`);
  }
  // The patterns the connector and the router use for each direction are disjoint too.
  const raw = subjects.allPlatformRaw(platform);
  const actions = subjects.allPlatformActions(platform);
  const state = subjects.allPlatformState(platform);
  const events = subjects.allEvents();
  for (
    const [a, b] of [[raw, actions], [raw, state], [actions, state], [raw, events], [
      actions,
      events,
    ], [state, events]] as const
  ) {
    assert.ok(!patternsIntersect(a, b), `${a} overlaps ${b}`);
  }
  // A raw event with a dotted name that spells "action" still stays inbound.
  const sneaky = subjects.platformRaw(platform, "action.chat");
  assert.ok(!subjectMatches(actions, sneaky));
  assert.ok(subjectMatches(raw, sneaky));
  assert.ok(!subjectMatches(subjects.anyPlatformAction("chat"), sneaky));
  // Executes and results of one plugin differ and are each matched only by their own pattern.
  assert.ok(subjectMatches(subjects.allCommandExecutes(), subjects.commandExecute("dice")));
  assert.ok(!subjectMatches(subjects.allCommandExecutes(), subjects.commandResult("dice")));
  assert.ok(subjectMatches(subjects.allCommandResults(), subjects.commandResult("dice")));
  assert.ok(!subjectMatches(subjects.allCommandResults(), subjects.commandExecute("dice")));
});

Deno.test("data cannot inject dots, wildcards or spaces into a subject", () => {
  const bad = ["", "a.b", "*", ">", "a b", "a\tb", "dice>", "d*ce", "é", "x".repeat(65), "a/b"];
  for (const value of bad) {
    assert.throws(() => token(value), SubjectError, JSON.stringify(value));
    assert.throws(() => subjects.commandExecute(value), SubjectError, JSON.stringify(value));
    assert.throws(() => subjects.platformAction(value, "chat"), SubjectError);
    assert.throws(() => subjects.platformAction("cytube", value), SubjectError);
    assert.throws(() => inboxPrefix(value), SubjectError);
  }
  assert.equal(token("x".repeat(64)), "x".repeat(64));
  assert.equal(token("Plugin_9-a"), "Plugin_9-a");
  // Dotted names (events) allow up to four clean tokens, nothing else.
  for (const value of ["a..b", ".a", "a.", "a.*", "a.>", "a.b.c.d.e", "a b.c", ""]) {
    assert.throws(() => subjects.platformRaw("cytube", value), SubjectError, value);
    assert.throws(() => subjects.plugin("dice", value), SubjectError, value);
  }
  assert.equal(subjects.platformRaw("cytube", "a.b.c.d"), "rosey.platform.cytube.raw.a.b.c.d");
  // The error says what was wrong, with what, and how to fix it.
  assert.throws(
    () => subjects.commandExecute("my.plugin"),
    (error: unknown) =>
      error instanceof SubjectError && error.name === "SubjectError" &&
      error.message.includes('plugin name "my.plugin"') && error.message.includes("no dots"),
  );
  assert.throws(
    () => subjects.plugin("dice", "a..b"),
    (error: unknown) =>
      error instanceof SubjectError && error.message.includes('plugin event "a..b"') &&
      error.message.includes("four dot-separated tokens"),
  );
  assert.throws(() => subjects.event("bad event" as never), SubjectError);
});

Deno.test("subjectMatches: * is one token, > is one or more trailing tokens", () => {
  const cases: [string, string, boolean][] = [
    ["a.b.c", "a.b.c", true],
    ["a.b.c", "a.b", false],
    ["a.b", "a.b.c", false],
    ["a.b.c", "a.b.d", false],
    ["a.*.c", "a.b.c", true],
    ["a.*.c", "a.b.b.c", false],
    ["a.*", "a", false],
    ["*", "a", true],
    ["*", "a.b", false],
    ["a.>", "a.b", true],
    ["a.>", "a.b.c.d", true],
    ["a.>", "a", false],
    [">", "a", true],
    [">", "a.b.c", true],
    ["*.>", "a", false],
    ["*.>", "a.b", true],
    ["a.*.>", "a.b.c", true],
    ["a.*.>", "a.b", false],
    // Pattern against pattern: does a grant cover a requested grant?
    ["a.>", "a.*", true],
    ["a.>", "a.>", true],
    ["a.*", "a.*", true],
    ["a.*", "a.>", false],
    ["*", ">", false],
    ["a.b", "a.*", false],
    // Case matters; prefixes are not tokens.
    ["a.b", "A.b", false],
    ["a.b", "a.bc", false],
    ["ab.>", "a.b", false],
  ];
  for (const [pattern, subject, expected] of cases) {
    assert.equal(subjectMatches(pattern, subject), expected, `${pattern} ~ ${subject}`);
  }
  assert.ok(patternCovers("rosey.plugins.dice.>", "rosey.plugins.dice.*"));
  assert.ok(!patternCovers("rosey.plugins.dice.*", "rosey.plugins.dice.>"));
  assert.ok(anySubjectMatches(["x.y", "rosey.events.>"], subjects.event("message")));
  assert.ok(!anySubjectMatches([], subjects.event("message")));
  assert.ok(!anySubjectMatches(["rosey.events.*"], subjects.event("user.join")));
});

Deno.test("isConcreteSubject accepts only publishable subjects", () => {
  assert.ok(isConcreteSubject("a.b-c_d.9"));
  for (const s of ["", "a..b", "a.", ".a", "a.*", "a.>", "*", ">", "a b", "a\nb"]) {
    assert.ok(!isConcreteSubject(s), JSON.stringify(s));
  }
});

Deno.test("two patterns overlap when some subject matches both, even if neither covers the other", () => {
  const overlapping: [string, string][] = [
    ["rosey.commands.*.execute", "rosey.commands.dice.*"],
    ["rosey.commands.*.execute", "rosey.commands.>"],
    ["rosey.>", "rosey.plugins.dice.say"],
    ["a.*.c", "*.b.*"],
    ["a.b", "a.b"],
  ];
  for (const [a, b] of overlapping) {
    assert.ok(subjectsOverlap(a, b) && subjectsOverlap(b, a), `${a} / ${b}`);
  }
  const apart: [string, string][] = [
    ["rosey.commands.*.execute", "rosey.commands.dice.result"],
    ["rosey.commands.*.execute", "rosey.commands.dice"],
    ["rosey.platform.>", "rosey.plugins.>"],
    ["a.b", "a.b.c"],
    ["a.>", "a"],
  ];
  for (const [a, b] of apart) {
    assert.ok(!subjectsOverlap(a, b) && !subjectsOverlap(b, a), `${a} / ${b}`);
  }
});
