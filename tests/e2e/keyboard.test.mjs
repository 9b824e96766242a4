// The real window, keyboard only: a practice run from Welcome to Finish with Tab, Shift+Tab, Enter
// and Space, counting the key presses to each action, and checking that every element the keyboard
// lands on shows where the focus is (a computed outline or box-shadow).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Session, startDriver } from "./webdriver.mjs";

const app = process.env.APP_BINARY;
const artifacts = process.env.ARTIFACTS_DIR;
const TAB = "\uE004";
const ENTER = "\uE007";
const SPACE = "\uE00D";
const SHIFT = "\uE008";
let driver;
let session;

before(async () => {
  assert.ok(app && artifacts, "APP_BINARY and ARTIFACTS_DIR must be set (run `make e2e`)");
  delete process.env.PMPC_PRACTICE_ADDR;
  driver = await startDriver();
  session = await Session.open(app);
});

after(async () => {
  await session?.close().catch(() => {});
  driver?.kill();
});

async function shot(name) {
  writeFileSync(join(artifacts, `${name}.png`), await session.screenshot());
}

/** What has the focus: its tag, its accessible-ish name, and whether a focus indicator is drawn. */
function focused() {
  return session.execute(`
    const el = document.activeElement;
    if (!el || el === document.body) return { tag: "body", name: "", visible: false };
    const cs = getComputedStyle(el);
    const outline = cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0;
    const shadow = cs.boxShadow && cs.boxShadow !== "none";
    const name = (el.getAttribute("aria-label") || el.textContent || "").replace(/\\s+/g, " ").trim();
    return { tag: el.tagName.toLowerCase(), name, visible: Boolean(outline || shadow), outline: cs.outlineStyle + " " + cs.outlineWidth, shadow: cs.boxShadow };
  `);
}

/** Waits until the focus is on an element whose name matches. */
async function waitForFocus(match, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const f = await focused();
    if (match.test(f.name)) return f;
    if (Date.now() > deadline) throw new Error(`focus never reached ${match}; it is on <${f.tag}> "${f.name}"`);
    await sleep(100);
  }
}

const presses = [];

/**
 * Presses Tab (or Shift+Tab) until the focus is on `name`, checking the focus indicator at every
 * stop, and asserts how many presses that took.
 */
async function tabTo(name, expected, { back = false } = {}) {
  let count = 0;
  for (;;) {
    await session.press(TAB, back ? [SHIFT] : []);
    count += 1;
    const f = await focused();
    assert.ok(f.visible, `focus is visible on <${f.tag}> "${f.name}" (outline ${f.outline}, box-shadow ${f.shadow})`);
    if (f.name === name) break;
    assert.ok(count < 40, `${back ? "Shift+Tab" : "Tab"} never reached "${name}"`);
  }
  presses.push({ to: name, keys: `${count} × ${back ? "Shift+Tab" : "Tab"}` });
  assert.equal(count, expected, `${back ? "Shift+Tab" : "Tab"} presses to "${name}"`);
}

test("keyboard only: a practice run from Welcome to Finish", async () => {
  // Welcome: focus starts on the page's heading, so its buttons come first.
  await waitForFocus(/^Create the PMPC Recovery app registration$/);
  await tabTo("Sign in to Microsoft", 1);
  await tabTo("Practice run", 1);
  await shot("keyboard-01-welcome-practice-run");
  // The step list stays reachable, just behind the heading.
  await tabTo("Finish", 2, { back: true });
  await tabTo("Step 16: Note the secret value, not started", 1, { back: true });
  await tabTo("Practice run", 3);
  await session.press(ENTER);
  presses.push({ to: "start the practice run", keys: "Enter" });

  // Sign in: the tenant question is one Tab below the page's heading.
  await waitForFocus(/^Sign in$/);
  await session.waitForAll(`//button[normalize-space()="Yes, this is my PMPC company's tenant"]`, 1, 60_000, "xpath");
  await tabTo("Yes, this is my PMPC company's tenant", 1);
  await shot("keyboard-02-sign-in-yes");
  await session.press(SPACE);
  presses.push({ to: "confirm the tenant", keys: "Space" });

  // Finish: the values and Copy all come right after the heading.
  await waitForFocus(/^Done: give these values to Patch My PC Cloud$/, 120_000);
  await tabTo("Copy Application (client) ID", 1);
  await tabTo("Copy all four values as a labelled block", 5);
  await session.press(ENTER);
  presses.push({ to: "copy all four values", keys: "Enter" });
  await session.waitForAll(`//*[contains(normalize-space(), "Copied all four values")]`, 1, 10_000, "xpath");
  await tabTo("Show the client secret", 2, { back: true });
  await session.press(SPACE);
  presses.push({ to: "show the secret", keys: "Space" });
  for (let i = 0; i < 50; i++) {
    if (!/^•+$/.test(await session.textOf('[data-testid="secret-value"]'))) break;
    await sleep(100);
  }
  assert.doesNotMatch(await session.textOf('[data-testid="secret-value"]'), /^•+$/, "Space on Show reveals the secret");
  await session.press(SPACE);
  presses.push({ to: "hide the secret", keys: "Space" });
  await shot("keyboard-03-finish");
  assert.match(await session.textOf('[data-testid="secret-value"]'), /^•+$/, "Space on Hide masks it again");

  console.log("key presses to each action:\n" + presses.map((p) => `  ${p.to}: ${p.keys}`).join("\n"));
  writeFileSync(join(artifacts, "keyboard-presses.json"), JSON.stringify(presses, null, 2));
});
