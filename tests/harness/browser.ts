/**
 * A real browser for the dashboard tests: Debian's Chromium driven by `playwright-core` (the
 * library only; it downloads no browser). Found at `$QUICKSILVER_CHROMIUM`, else the usual
 * Debian paths; when missing and we are root, installed with `apt-get install chromium`.
 * Screenshots go under the test's output folder ({@linkcode testOutputDir}).
 */
import { type Browser, chromium } from "playwright-core";
import { REPO_ROOT } from "@quicksilver/testbed";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

async function apt(...args: string[]): Promise<boolean> {
  const { success } = await new Deno.Command("apt-get", {
    args,
    stdout: "null",
    stderr: "null",
    env: { DEBIAN_FRONTEND: "noninteractive" },
  }).output().catch(() => ({ success: false }));
  return success;
}

/** The Chromium executable, installing Debian's package first if needed (root only). */
export async function findChromium(): Promise<string> {
  const configured = Deno.env.get("QUICKSILVER_CHROMIUM");
  if (configured) return configured;
  for (const path of CANDIDATES) if (await exists(path)) return path;
  if (Deno.uid() === 0) {
    if (!await apt("install", "-y", "-qq", "chromium")) {
      await apt("update", "-qq");
      await apt("install", "-y", "-qq", "chromium");
    }
    for (const path of CANDIDATES) if (await exists(path)) return path;
  }
  throw new Error(
    "no Chromium for the browser tests: run `apt-get install -y chromium` (as root), or set " +
      "QUICKSILVER_CHROMIUM to a Chromium or Chrome executable",
  );
}

/** Launches headless Chromium (no sandbox when root: Chromium refuses otherwise). */
export async function launchChromium(): Promise<Browser> {
  return await chromium.launch({
    executablePath: await findChromium(),
    headless: true,
    args: Deno.uid() === 0 ? ["--no-sandbox"] : [],
  });
}

/** `<repo>/.test-output/<name>` (or `$TEST_OUTPUT_DIR/<name>`), created empty. */
export async function testOutputDir(name: string): Promise<string> {
  const base = Deno.env.get("TEST_OUTPUT_DIR") ?? `${REPO_ROOT}/.test-output`;
  const dir = `${base}/${name}`;
  await Deno.remove(dir, { recursive: true }).catch(() => undefined);
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}
