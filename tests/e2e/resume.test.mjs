// The real app against tenant-sim as if it were Microsoft (custom endpoints, real keychain, real
// journal): sign in through the loopback redirect, finish, close the app, open it again, and find the
// same values, the countdown and the same secret (from the keychain) without signing in.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Session, startDriver } from "./webdriver.mjs";

const app = process.env.APP_BINARY;
const simBinary = process.env.SIM_BINARY;
const artifacts = process.env.ARTIFACTS_DIR;
let sim;
let tenant;
let driver;

before(async () => {
  assert.ok(app && simBinary && artifacts, "APP_BINARY, SIM_BINARY and ARTIFACTS_DIR must be set (run `make e2e`)");
  sim = spawn(simBinary, ["serve", "--addr", "127.0.0.1:0", "--auto-sign-in", "grace.admin@contoso.onmicrosoft.com"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = await createInterface({ input: sim.stdout })[Symbol.asyncIterator]().next().then((r) => [r.value]);
  tenant = JSON.parse(line);
  // The app inherits this through tauri-driver and WebKitWebDriver.
  Object.assign(process.env, {
    PMPC_AUTHORITY_HOST: tenant.origin,
    PMPC_GRAPH_BASE_URL: tenant.origin,
    BROWSER: "true", // no browser: this test follows the sign-in link itself
    XDG_DATA_HOME: process.env.XDG_DATA_HOME ?? mkdtempSync(join(tmpdir(), "pmpc-e2e-")),
  });
  driver = await startDriver();
});

after(() => {
  driver?.kill();
  sim?.kill();
});

/** Plays the browser: follows the sign-in link to the app's loopback listener. */
async function followSignIn(url) {
  for (let i = 0; i < 5 && url; i++) {
    const res = await fetch(url, { redirect: "manual" });
    const next = res.headers.get("location");
    url = next ? new URL(next.replace("://localhost:", "://127.0.0.1:"), url).href : null;
  }
}

async function revealSecret(session) {
  await session.click(await session.button("Show"));
  for (let i = 0; i < 50; i++) {
    const text = await session.textOf('[data-testid="secret-value"]');
    if (!/^•+$/.test(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the secret was not revealed");
}

async function values(session) {
  return {
    appId: await session.textOf('[data-testid="value-Application (client) ID"]'),
    objectId: await session.textOf('[data-testid="value-Object ID"]'),
    tenantId: await session.textOf('[data-testid="value-Directory (tenant) ID"]'),
  };
}

test("a sign-in waiting for the browser can be cancelled, and says what to do next", async () => {
  const session = await Session.open(app);
  await session.click(await session.button("Sign in to Microsoft"));
  await session.waitForAll('[data-testid="value-Sign-in address"]', 1, 30_000);
  await session.click(await session.button("Cancel sign-in"));
  const [panel] = await session.waitForAll('[data-testid="error-panel"]', 1);
  assert.match(await session.text(panel), /Sign-in was cancelled/);
  await session.button("Sign in again");
  await session.close();
});

test("closing and reopening the app keeps the values, the countdown and the secret", async () => {
  let session = await Session.open(app);
  await session.click(await session.button("Sign in to Microsoft"));
  const [link] = await session.waitForAll('[data-testid="value-Sign-in address"]', 1, 30_000);
  const url = await session.text(link);
  assert.ok(url.startsWith(`${tenant.origin}/organizations/oauth2/v2.0/authorize?`), url);
  await followSignIn(url);
  await session.click(await session.button("Yes, this is my PMPC company's tenant"));
  await session.waitForAll(`//h2[normalize-space()="Done: give these values to Patch My PC Cloud"]`, 1, 120_000, "xpath");
  const first = await values(session);
  assert.equal(first.tenantId, tenant.tenantId);
  const secret = await revealSecret(session);
  await session.close();

  session = await Session.open(app);
  // The header counts down on every page but Finish, which shows the time left in full.
  assert.match(await session.textOf('[data-testid="countdown-compact"]'), /left/);
  await session.click(await session.button("See its values"));
  assert.match(await session.textOf('[data-testid="countdown"]'), /left/);
  assert.deepEqual(await values(session), first);
  assert.equal(await revealSecret(session), secret, "the secret comes back from the keychain");
  await session.click(await session.button("Hide"));
  assert.match(await session.textOf('[data-testid="secret-value"]'), /^•+$/);
  writeFileSync(join(artifacts, "reopened-finish.png"), await session.screenshot());
  await session.close();

  const res = await fetch(`${tenant.origin}/${first.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: first.appId,
      client_secret: secret,
      scope: "https://graph.microsoft.com/.default",
    }),
  });
  assert.equal(res.status, 200);
});
