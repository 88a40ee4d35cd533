import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";

/** Debian's package (apt-get install chromium): puppeteer's own browser download cannot run here. */
export const CHROMIUM = "/usr/bin/chromium";
export const haveChromium = existsSync(CHROMIUM);

export interface WatchedPage {
  page: Page;
  /** Requests to anywhere but `origin` (http(s) and WebSocket). */
  foreign: string[];
  /** Console errors and uncaught exceptions. */
  errors: string[];
}

/**
 * Headless Chromium with a fresh profile and nothing of its own on the
 * network (no updates, no sync, no QUIC), so that every request a page
 * makes is the page's own.
 */
export async function launchChromium(): Promise<{ browser: Browser; open(origin: string): Promise<WatchedPage>; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), "offergate-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${profile}`,
    ],
  });
  return {
    browser,
    open: async (origin) => {
      const page = await browser.newPage();
      await page.setViewport({ width: 1440, height: 860 });
      const foreign: string[] = [];
      const errors: string[] = [];
      const wsOrigin = origin.replace(/^http/, "ws");
      const own = (url: string) => url.startsWith(`${origin}/`) || url.startsWith(`${wsOrigin}/`) || url.startsWith("data:") || url.startsWith("blob:");
      page.on("request", (r) => void (own(r.url()) || foreign.push(r.url())));
      const cdp = await page.createCDPSession();
      await cdp.send("Network.enable");
      cdp.on("Network.webSocketCreated", (e) => void (own(e.url) || foreign.push(e.url)));
      page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
      page.on("pageerror", (e) => void errors.push(String(e)));
      return { page, foreign, errors };
    },
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
