// The real app, under Xvfb: its window must list exactly the 16 step titles the core serves.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Session, startDriver } from "./webdriver.mjs";

const app = process.env.APP_BINARY;
const cli = process.env.CLI_BINARY;
const artifacts = process.env.ARTIFACTS_DIR;

let driver;
let session;

before(async () => {
  assert.ok(app && cli && artifacts, "APP_BINARY, CLI_BINARY and ARTIFACTS_DIR must be set (run `make e2e`)");
  driver = await startDriver();
  session = await Session.open(app);
});

after(async () => {
  await session?.close().catch(() => {});
  driver?.kill();
});

test("the window shows the 16 steps the core serves", async () => {
  // The core's plan, asked of the CLI: an independent front end over the same crate.
  const expected = JSON.parse(execFileSync(cli, ["plan", "--json"], { encoding: "utf8" })).map((s) => s.title);
  assert.equal(expected.length, 16);

  const elements = await session.waitForAll('[data-testid="step-title"]', 16);
  const shown = [];
  for (const el of elements) shown.push(await session.text(el));
  assert.deepEqual(shown, expected);

  const png = await session.screenshot();
  assert.equal(png.subarray(1, 4).toString(), "PNG");
  const file = join(artifacts, "plan-window.png");
  writeFileSync(file, png);
  console.log(`screenshot: ${file}`);
});
