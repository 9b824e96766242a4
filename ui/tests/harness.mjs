// What every page-test file shares: the built UI served on loopback, headless Chromium, pages
// that open at a frozen moment with the scripted fake answering their IPC (tests/ipc-mock.ts),
// and a screenshot with an axe-core scan. A test file calls useHarness() once at its top level.
import { before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdirSync, readFileSync, existsSync } from "node:fs";
import { extname, join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
// UI_DIST and MOCK_DIST: a build of one's own, when others share the checkout's dist/.
const dist = process.env.UI_DIST ?? join(here, "..", "dist");
export const mock = process.env.MOCK_DIST ? join(process.env.MOCK_DIST, "ipc-mock.js") : join(here, "..", "dist-mock", "ipc-mock.js");
const axe = join(here, "..", "node_modules", "axe-core", "axe.min.js");
export const shots = process.env.SCREENSHOT_DIR ?? join(here, "..", "..", "artifacts", "ui");
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml" };

/**
 * The moment every page test's pages live in, on any day the tests run: five minutes after the
 * fake's app was created (09:00 UTC on 28 November 2026), so its deadline is 71 h 55 min away and a
 * screenshot shows the same state tomorrow. The clock runs on from there (countdowns still tick).
 * The time zone is New York's, so the pages' "EST (UTC)" times are the same on every machine.
 */
export const FROZEN_NOW = "2026-11-28T09:05:00Z";

let server;
let browser;
/** Where the built UI is served. */
export let origin;

/** Serves the build and starts Chromium before the file's tests, and stops both after them. */
export function useHarness() {
  before(async () => {
    assert.ok(existsSync(join(dist, "index.html")), "build the UI first (npm run build)");
    assert.ok(existsSync(mock), "build the IPC mock first (vite build -c vite.mock.config.ts)");
    server = createServer((req, res) => {
      const path = join(dist, req.url === "/" ? "index.html" : decodeURIComponent(req.url.split("?")[0]));
      if (!path.startsWith(dist) || !existsSync(path)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" });
      res.end(readFileSync(path));
    });
    await new Promise((r) => server.listen(0, "127.0.0.1", r));
    origin = `http://127.0.0.1:${server.address().port}`;
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    mkdirSync(shots, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });
}

/** A blank page at the frozen moment, in New York's time zone. */
export async function newPage({ colorScheme = "light", height = 800 } = {}) {
  const page = await browser.newPage({ viewport: { width: 1200, height }, colorScheme, timezoneId: "America/New_York", locale: "en-US" });
  await page.clock.install({ time: new Date(FROZEN_NOW) });
  return page;
}

/** The app on Welcome, its backend the fake with these options; page errors are collected. */
export async function open({ fakeOptions = {}, colorScheme = "light", height = 800 } = {}) {
  const page = await newPage({ colorScheme, height });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.addInitScript((o) => (window.__FAKE_OPTIONS__ = o), fakeOptions);
  await page.addInitScript({ path: mock });
  await page.goto(origin);
  await page.getByRole("heading", { name: "Create the PMPC Recovery app registration" }).waitFor();
  return { page, errors };
}

/** Screenshot plus an accessibility scan with no violations allowed. */
export async function capture(page, name, { fullPage = false } = {}) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage });
  await page.addScriptTag({ path: axe });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  });
  assert.deepEqual(result, [], `accessibility violations on ${name}`);
}

/**
 * Chromium's own accessibility tree (CDP Accessibility.getFullAXTree), in document order, reduced
 * to what a screen-reader user navigates by: landmarks, headings, buttons and links with their
 * names, and live regions (role and politeness).
 */
export async function accessibilityTree(page) {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = await cdp.send("Accessibility.getFullAXTree");
  await cdp.detach();
  const byId = new Map(nodes.map((n) => [n.nodeId, n]));
  const prop = (n, name) => n.properties?.find((p) => p.name === name)?.value?.value;
  const lines = [];
  const visit = (n) => {
    const role = n.role?.value;
    const name = n.name?.value ?? "";
    if (!n.ignored) {
      if (["banner", "navigation", "main", "complementary"].includes(role)) lines.push(name ? `${role} "${name}"` : role);
      else if (role === "heading") lines.push(`heading ${prop(n, "level")} "${name}"`);
      else if (role === "button" || role === "link") {
        const expanded = prop(n, "expanded");
        lines.push(`${role} "${name}"${prop(n, "disabled") ? " disabled" : ""}${expanded === undefined ? "" : ` expanded=${expanded}`}`);
      }
      else if (["status", "alert", "timer"].includes(role)) lines.push(`${role} live=${prop(n, "live") ?? "off"}`);
    }
    for (const id of n.childIds ?? []) {
      const child = byId.get(id);
      if (child) visit(child);
    }
  };
  visit(nodes[0]);
  return lines;
}
