/**
 * Headless Chromium (Debian's `chromium`, found on PATH) driven with puppeteer-core, with a
 * fresh profile folder removed on close.
 *
 * @module
 */

// deno-lint-ignore no-import-prefix -- test-only: kept out of deno.json, off the demo's path
import puppeteer, { type Browser } from "npm:puppeteer-core@25.16.0";
import { toolPath } from "./require_tool.ts";

/** The Chromium program on PATH, if there is one. */
export function chromiumPath(): string | undefined {
  return toolPath("chromium") ?? toolPath("chromium-browser") ?? toolPath("google-chrome");
}

/** A running headless Chromium and its profile folder. */
export interface Chromium {
  browser: Browser;
  close(): Promise<void>;
}

/** Starts headless Chromium with a fresh profile. */
export async function launchChromium(): Promise<Chromium> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error("chromium is not on PATH (apt-get install chromium)");
  const profile = await Deno.makeTempDir({ prefix: "stemplay-chromium-" });
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${profile}`,
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    },
  };
}
