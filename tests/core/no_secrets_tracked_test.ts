/**
 * No NATS key or seed is tracked by git, or about to be (untracked and not ignored): the
 * operator, account and user seeds live only in the gitignored state dir.
 */
import assert from "node:assert/strict";

const REPO_ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

async function git(args: string[]): Promise<{ ok: boolean; stdout: string }> {
  try {
    const out = await new Deno.Command("git", {
      args,
      cwd: REPO_ROOT,
      stdout: "piped",
      stderr: "null",
    }).output();
    return { ok: out.success, stdout: new TextDecoder().decode(out.stdout) };
  } catch {
    return { ok: false, stdout: "" };
  }
}

const inGitCheckout = (await git(["rev-parse", "--is-inside-work-tree"])).ok;

/** An nkeys seed: `S` + key type (operator, account, user, server, cluster, curve) + base32. */
const SEED = /\bS[OAUNCX][A-Z2-7]{56}\b/;

Deno.test({
  name: "git tracks no NATS key, creds file or seed, and ignores the state dir",
  ignore: !inGitCheckout,
  fn: async () => {
    const tracked = (await git(["ls-files", "-z"])).stdout.split("\0").filter(Boolean);
    // Untracked files that are not ignored would be committed by the next `git add -A`.
    const pending = (await git(["ls-files", "-z", "--others", "--exclude-standard"])).stdout
      .split("\0").filter(Boolean);
    const offences: string[] = [];
    for (const path of [...tracked, ...pending]) {
      const name = path.split("/").at(-1)!;
      if (/\.(nk|creds)$/.test(name) || name === "nats-auth.conf") {
        offences.push(`${path}: secret file`);
        continue;
      }
      let text: string;
      try {
        const info = await Deno.stat(`${REPO_ROOT}/${path}`);
        if (!info.isFile || info.size > 2_000_000) continue;
        text = await Deno.readTextFile(`${REPO_ROOT}/${path}`);
      } catch {
        continue; // deleted in the work tree, or not text
      }
      const lines = text.split("\n");
      for (const [index, line] of lines.entries()) {
        if (SEED.test(line)) offences.push(`${path}:${index + 1}: looks like an nkeys seed`);
      }
    }
    assert.deepEqual(offences, [], `secrets must never be committed:\n  ${offences.join("\n  ")}`);
    for (const path of [".rosey/auth/authority.nk", ".rosey/nats-auth.conf", "x.creds", "y.nk"]) {
      const ignored = await git(["check-ignore", "-q", "--no-index", path]);
      assert.ok(ignored.ok, `${path} must be ignored by .gitignore`);
    }
  },
});
