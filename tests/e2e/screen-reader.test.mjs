// What a screen reader gets from the real window (issue 22): Orca reads WebKitGTK through AT-SPI,
// not Chromium's tree the page tests compare. The app runs under WebDriver; at Welcome, Sign in,
// Finish and the Runs page its AT-SPI tree is read with python3-pyatspi in this test's own D-Bus
// session (tests/e2e/atspi.py). Every control has a role and a name saying what it does ("Copy
// Application (client) ID", never a bare "Copy"); the Options toggle is a button that says whether
// it is expanded; the run's progress reaches the live region.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { Session, startDriver } from "./webdriver.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const app = process.env.APP_BINARY;
const artifacts = process.env.ARTIFACTS_DIR;
let driver;
let session;

/** What a user operates, as AT-SPI names its roles. */
const CONTROLS = new Set(["push button", "toggle button", "link", "check box", "radio button", "combo box", "entry", "password text", "spin button", "menu item"]);
/** Names that do not say what they act on. */
const GENERIC = /^(copy|show|hide|delete|forget|open|save|continue|next|more|options|button|link)$/i;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

before(async () => {
  assert.ok(app && artifacts, "APP_BINARY and ARTIFACTS_DIR must be set (run `make e2e`)");
  process.env.PMPC_PRACTICE_ADDR = `127.0.0.1:${await freePort()}`;
  driver = await startDriver();
  session = await Session.open(app);
});

after(async () => {
  // (Session.close waits for the app to end, so the next test meets a clean desktop.)
  await session?.close().catch(() => {});
  driver?.kill();
});

/** The app's AT-SPI tree once a node named `until` is in it. */
function tree(until, timeoutS = 30) {
  const out = execFileSync("/usr/bin/python3", [join(here, "atspi.py"), "pmpc-recovery-wizard", "--until", until, "--timeout", String(timeoutS)], {
    encoding: "utf8",
    timeout: 90_000,
  });
  return JSON.parse(out).nodes;
}

/** Checks every control of a page and keeps the tree beside the screenshots. */
function controlsOf(nodes, page) {
  writeFileSync(join(artifacts, `atspi-${page}.json`), JSON.stringify(nodes, null, 1));
  const controls = nodes.filter((n) => CONTROLS.has(n.role) && n.states.includes("visible"));
  assert.ok(controls.length >= 3, `${page}: controls found through AT-SPI: ${controls.length}`);
  const unnamed = controls.filter((n) => !n.name.trim()).map((n) => n.role);
  assert.deepEqual(unnamed, [], `${page}: every control has a name`);
  const generic = controls.filter((n) => GENERIC.test(n.name.trim())).map((n) => `${n.role} "${n.name}"`);
  assert.deepEqual(generic, [], `${page}: every name says what it acts on`);
  // Something the user can focus, without a role, is what a screen reader cannot announce.
  const roleless = nodes.filter((n) => n.role === "unknown" && n.states.includes("focusable")).map((n) => n.name);
  assert.deepEqual(roleless, [], `${page}: no focusable node without a role`);
  return controls;
}

const optionsToggle = async () => (await session.waitForAll(`//button[contains(normalize-space(), "Options: Microsoft cloud")]`, 1, 20_000, "xpath"))[0];

/** The window's own live region (the outermost polite status; copy notes have their own, inside). */
const liveText = (nodes) =>
  nodes.filter((n) => n.role === "status bar" && n.live === "polite").sort((a, b) => a.depth - b.depth)[0]?.text ?? null;

test("AT-SPI: Welcome, Sign in, Finish and the Runs page as Orca gets them", async () => {
  // Welcome, and its Options toggle closed, then open.
  let nodes = tree("Create the PMPC Recovery app registration");
  let controls = controlsOf(nodes, "welcome");
  const names = controls.map((n) => n.name);
  for (const name of ["Sign in to Microsoft", "Practice run", "Your runs on this computer", "Presenter mode"]) assert.ok(names.includes(name), `Welcome has "${name}": ${names.join(" | ")}`);
  const toggle = () => nodes.find((n) => n.name.startsWith("Options: Microsoft cloud"));
  assert.equal(toggle()?.role, "push button", "the Options toggle is a button");
  assert.ok(toggle().states.includes("expandable") && !toggle().states.includes("expanded"), `closed Options: ${toggle().states}`);
  await session.click(await optionsToggle());
  const OPTIONS = "Options: Microsoft cloud, tenant, sign-in app, one step at a time, presenter mode";
  nodes = tree(OPTIONS);
  for (let i = 0; i < 20 && !toggle()?.states.includes("expanded"); i++) {
    await sleep(250);
    nodes = tree(OPTIONS, 5);
  }
  assert.ok(toggle().states.includes("expanded"), `open Options: ${toggle().states}`);
  controlsOf(nodes, "welcome-options");
  await session.click(await optionsToggle());

  // A practice run: the live region says what happens; the Sign in page, read from the step list.
  await session.click(await session.button("Practice run"));
  await session.button("Yes, this is my PMPC company's tenant", 120_000);
  const [step1] = await session.waitForAll(`//button[starts-with(normalize-space(), "1")]|//button[contains(@aria-label, "Step 1:")]`, 1, 20_000, "xpath");
  await session.click(step1);
  nodes = tree("Sign in");
  controlsOf(nodes, "sign-in");
  // The run's progress reached the live region ("Signed in. Your answer is needed on step 1: …").
  assert.match(liveText(nodes) ?? "", /^Signed in\./);

  // Finish: the values' buttons name the value.
  await session.click(await session.button("Yes, this is my PMPC company's tenant"));
  await session.waitForAll(`//h2[normalize-space()="Done: give these values to Patch My PC Cloud"]`, 1, 120_000, "xpath");
  nodes = tree("Done: give these values to Patch My PC Cloud");
  controls = controlsOf(nodes, "finish");
  const finishNames = controls.map((n) => n.name);
  for (const name of ["Copy Application (client) ID", "Copy Object ID", "Copy Directory (tenant) ID"]) assert.ok(finishNames.includes(name), `Finish has "${name}": ${finishNames.join(" | ")}`);
  // The end of the run reached the live region.
  let said = liveText(nodes);
  for (let i = 0; i < 20 && !/^Done: all steps finished/.test(said ?? ""); i++) {
    await sleep(250);
    said = liveText(tree("Done: give these values to Patch My PC Cloud", 5));
  }
  assert.match(said ?? "", /^Done: all steps finished/);

  // The Runs page (a practice run is not kept: its empty state).
  const runsButtons = await session.findAll(`//button[normalize-space()="Your runs on this computer"]`, "xpath");
  await session.click(runsButtons.at(-1));
  nodes = tree("Your runs on this computer");
  for (let i = 0; i < 20 && !nodes.some((n) => n.name === "No runs on this computer yet"); i++) {
    await sleep(250);
    nodes = tree("Your runs on this computer", 5);
  }
  controlsOf(nodes, "runs");
  writeFileSync(join(artifacts, "atspi-runs.png"), await session.screenshot());
});
