/**
 * What the operator sees before a plugin runs: what it will be able to do, in plain words, the
 * collisions of its command words with plugins already installed, the signature, and for an
 * update what changed (permissions and code size).
 */
import { sanitizeChatText } from "@quicksilver/core";
import { type PermissionSet } from "../manager/mod.ts";
import type { SignatureStatus } from "./signature.ts";

/** A command word the plugin declares that another plugin holds. */
export interface Collision {
  word: string;
  /** Who holds it now. */
  holder: string;
  /** `router.commandOwners` names this owner (so the install may go ahead). */
  configuredOwner?: string;
}

const list = (items: readonly string[]) => items.join(", ");

/** "It will be able to:" lines for a permission set. */
export function describePermissions(p: PermissionSet): string[] {
  const lines: string[] = [];
  lines.push(
    p.commands.length > 0
      ? `answer the commands ${list(p.commands.map((w) => `!${w}`))}`
      : "answer no commands",
  );
  lines.push(
    `read chat messages${p.events.length > 0 ? ` and these events: ${list(p.events)}` : ""}`,
  );
  if (p.net.includes("*")) lines.push("reach whichever host you grant in rosey.yaml");
  else {lines.push(
      p.net.length > 0
        ? `reach these hosts on the internet: ${list(p.net)}`
        : "reach no host on the internet",
    );}
  if (p.publish.length > 0) lines.push(`publish to extra bus subjects: ${list(p.publish)}`);
  if (p.subscribe.length > 0) lines.push(`listen to extra bus subjects: ${list(p.subscribe)}`);
  if (p.npm.length > 0) lines.push(`load the npm packages ${list(p.npm)}`);
  lines.push(
    `use ${p.memoryMb ? `up to ${p.memoryMb} MB of memory` : "the default memory limit"} and ` +
      `store up to ${p.storageMb ?? 64} MiB in its own data folder`,
  );
  return lines;
}

export function describeSignature(status: SignatureStatus): string {
  switch (status.kind) {
    case "trusted":
      return `signed by ${status.publisher} (trusted: listed in plugins.trust)`;
    case "untrusted":
      return `signed by ${status.publisher}, a publisher NOT in plugins.trust`;
    case "bad":
      return `the signature claiming ${status.publisher} does NOT match the file`;
    case "unsigned":
      return "NOT signed";
  }
}

/** The review shown before an install. */
export function formatInstallReview(input: {
  name: string;
  version: string;
  description?: string | undefined;
  origin: string;
  sha256: string;
  signature: SignatureStatus;
  requested: PermissionSet;
  collisions: readonly Collision[];
}): string {
  const lines = [
    `${input.name} ${input.version}${input.description ? ` — ${input.description}` : ""}`,
    `  from ${input.origin}`,
    `  SHA-256 ${input.sha256}`,
    `  ${describeSignature(input.signature)}`,
    "It will be able to:",
    ...describePermissions(input.requested).map((line) => `  - ${line}`),
    "It will never read your files, environment or other plugins' data, run programs, or reach " +
    "hosts you did not approve (see `deno task plugins check` for the exact sandbox).",
  ];
  for (const c of input.collisions) {
    lines.push(
      c.configuredOwner
        ? `Command !${c.word} is also ${c.holder}'s; router.commandOwners gives it to ${c.configuredOwner}.`
        : `Command !${c.word} is already ${c.holder}'s.`,
    );
  }
  // The description, version and hosts are the plugin's (or its index's) own text: shown, never
  // obeyed, so it cannot erase the lines above it and print a harmless review instead.
  return sanitizeChatText(lines.join("\n"));
}

/** What an update changes: permissions added and removed, code size. */
export interface UpdateDiff {
  added: string[];
  removed: string[];
  oldBytes: number;
  newBytes: number;
}

export function diffPermissions(
  before: PermissionSet,
  after: PermissionSet,
  sizes: { oldBytes: number; newBytes: number },
): UpdateDiff {
  const flat = (p: PermissionSet) => [
    ...p.commands.map((w) => `command !${w}`),
    ...p.events.map((e) => `event ${e}`),
    ...p.net.map((h) => `net ${h}`),
    ...p.publish.map((s) => `publish ${s}`),
    ...p.subscribe.map((s) => `subscribe ${s}`),
    ...p.npm.map((n) => `npm ${n}`),
    ...(p.memoryMb !== undefined ? [`memory ${p.memoryMb} MB`] : []),
    ...(p.storageMb !== undefined ? [`storage ${p.storageMb} MiB`] : []),
  ];
  const a = flat(before);
  const b = flat(after);
  return {
    added: b.filter((x) => !a.includes(x)),
    removed: a.filter((x) => !b.includes(x)),
    ...sizes,
  };
}

export function formatUpdateDiff(name: string, from: string, to: string, d: UpdateDiff): string {
  const change = d.newBytes - d.oldBytes;
  // The versions and permissions are the new code's own text: shown, never obeyed.
  return sanitizeChatText([
    `${name} ${from} -> ${to}`,
    `  code: ${d.oldBytes} -> ${d.newBytes} bytes (${change >= 0 ? "+" : ""}${change})`,
    `  new permissions: ${d.added.join(", ") || "none"}`,
    `  permissions dropped: ${d.removed.join(", ") || "none"}`,
  ].join("\n"));
}
