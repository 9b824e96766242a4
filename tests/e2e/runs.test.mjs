// The Runs page in the real window (issue 12): two real runs made beforehand by the CLI against a
// tenant-sim holding two tenants (Contoso verified; Fabrikam failed at step 13 under a policy that
// blocks client secrets), in a data folder and keychain the app shares. The page lists both with
// their tenants and IDs, the countdown ticks, Show reveals the secret the CLI stored, and Delete
// signs in to the run's own tenant (Fabrikam, not Contoso) and deletes only that app.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Session, startDriver } from "./webdriver.mjs";

const app = process.env.APP_BINARY;
const cli = process.env.CLI_BINARY;
const simBinary = process.env.SIM_BINARY;
const artifacts = process.env.ARTIFACTS_DIR;
let sim;
let origin;
let contoso;
let fabrikam;
/** What the CLI printed for Contoso's run (with its secret). */
let made;
let driver;
let session;

async function admin(method, path, body) {
  const res = await fetch(`${origin}/_sim${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  assert.ok(res.ok, `${method} /_sim${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** The CLI, as an admin on this computer would run it, against the sim. */
function runCli(tenant) {
  const out = spawnSync(
    cli,
    ["run", "--json", "--tenant", tenant, "--authority-host", origin, "--graph-base-url", `${origin}/v1.0`, "--http-browser", "--fast"],
    { env: process.env, encoding: "utf8", timeout: 180_000 },
  );
  return { code: out.status, json: out.stdout.trim() ? JSON.parse(out.stdout) : null, stderr: out.stderr };
}

before(async () => {
  assert.ok(app && cli && simBinary && artifacts, "APP_BINARY, CLI_BINARY, SIM_BINARY and ARTIFACTS_DIR must be set (run `make e2e`)");
  sim = spawn(simBinary, ["serve", "--addr", "127.0.0.1:0", "--auto-sign-in", "grace.admin@contoso.onmicrosoft.com"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const first = await createInterface({ input: sim.stdout })[Symbol.asyncIterator]().next();
  const startup = JSON.parse(first.value);
  origin = startup.origin;
  contoso = { id: startup.tenantId, name: startup.tenantName, domain: "contoso.onmicrosoft.com" };
  const added = await admin("POST", "/tenants", { displayName: "Fabrikam", domain: "fabrikam.onmicrosoft.com" });
  fabrikam = { id: added.id, name: "Fabrikam", domain: "fabrikam.onmicrosoft.com" };
  await admin("POST", "/tenants/fabrikam.onmicrosoft.com/users", {
    userPrincipalName: "frank.admin@fabrikam.onmicrosoft.com",
    roles: ["Global Administrator"],
  });
  // A data folder of this file's own (the other files' runs are not in it); the CLI and, through
  // tauri-driver and WebKitWebDriver, the app get the same one and the same keychain.
  Object.assign(process.env, {
    XDG_DATA_HOME: mkdtempSync(join(tmpdir(), "pmpc-e2e-runs-")),
    PMPC_AUTHORITY_HOST: origin,
    PMPC_GRAPH_BASE_URL: origin,
    PMPC_RECOVERY_LOG: "warn",
    BROWSER: "true", // no browser: this test follows the sign-in link itself
  });

  // Run 1: Contoso, all the way (its secret goes to the keychain).
  const one = runCli(contoso.domain);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(one.json.tenantId, contoso.id);
  assert.equal(one.json.verified, true);
  made = one.json;
  // Run 2, a moment later: Fabrikam, as its own admin, under a policy that blocks client secrets.
  await sleep(1100);
  await admin("PUT", "/settings", { autoSignIn: "frank.admin@fabrikam.onmicrosoft.com" });
  await admin("PUT", "/scenario", { passwordPolicy: "block" });
  const two = runCli(fabrikam.domain);
  assert.equal(two.code, 1, `Fabrikam's run stops at step 13: ${two.stderr}`);
  assert.equal(two.json?.error?.code, "secretPolicyBlocked", JSON.stringify(two.json));

  driver = await startDriver();
  session = await Session.open(app);
});

after(async () => {
  await session?.close().catch(() => {});
  driver?.kill();
  sim?.kill();
});

/** An element inside the card of the run for `tenantId`. */
const inCard = (tenantId, xpath) => `//li[@data-testid="run"][@data-tenant-id=${JSON.stringify(tenantId)}]${xpath}`;

async function textIn(tenantId, testid, timeoutMs = 20_000) {
  const [el] = await session.waitForAll(inCard(tenantId, `//*[@data-testid=${JSON.stringify(testid)}]`), 1, timeoutMs, "xpath");
  return session.text(el);
}

async function clickLabelled(label, timeoutMs = 20_000) {
  const [el] = await session.waitForAll(`//button[@aria-label=${JSON.stringify(label)}]`, 1, timeoutMs, "xpath");
  await session.click(el);
}

async function waitForText(tenantId, testid, re, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await textIn(tenantId, testid).catch(() => "");
    if (re.test(text)) return text;
    if (Date.now() > deadline) {
      // What the window showed instead, for whoever reads the failure.
      await shot(`runs-failure-${testid}`).catch(() => {});
      const page = await session.execute("return document.querySelector('main')?.innerText ?? document.body.innerText;").catch((e) => String(e));
      throw new Error(`${testid} of ${tenantId} never matched ${re}: "${text}"; the page said: ${String(page).slice(0, 1500)}\n${dataFolder()}`);
    }
    await sleep(150);
  }
}

/**
 * What the data folder held and what the app logged (warnings and the Runs commands), for a
 * card that never reached its state: a run missing from both its open and its closed journal
 * shows here as a missing file, a dropped record as the log's "could not record" warning.
 */
function dataFolder() {
  const dir = join(process.env.XDG_DATA_HOME ?? "", "pmpc-recovery");
  if (!existsSync(dir)) return `(no data folder at ${dir})`;
  const files = readdirSync(dir).join(", ");
  const logs = existsSync(join(dir, "logs")) ? readdirSync(join(dir, "logs")) : [];
  const lines = logs
    .flatMap((f) => readFileSync(join(dir, "logs", f), "utf8").split("\n"))
    .filter((l) => / WARN | ERROR |delete|runs|journal/i.test(l))
    .slice(-40);
  return `data folder ${dir}: ${files}\nlog:\n${lines.join("\n")}`;
}

async function shot(name) {
  writeFileSync(join(artifacts, `${name}.png`), await session.screenshot());
}

test("the Runs page lists both runs, counts down, and reveals the secret the CLI stored", async () => {
  // Welcome settles first: the earlier run it finds on start-up adds a section above the button,
  // and a click while that shifts the page can land on another button.
  await session.waitForAll(`//h3[normalize-space()="You already made one on this computer"]`, 1, 20_000, "xpath");
  await session.click(await session.button("Your runs on this computer"));
  await session.waitForAll(`//h2[normalize-space()="Your runs on this computer"]`, 1, 20_000, "xpath");
  const cards = await session.waitForAll('[data-testid="run"]', 2);
  assert.equal(cards.length, 2);
  // Newest first, each with its tenant's name, domain and ID.
  const names = [];
  for (const h of await session.findAll('[data-testid="run-tenant"]')) names.push(await session.text(h));
  assert.deepEqual(names, ["Fabrikam", "Contoso"]);
  for (const t of [fabrikam, contoso]) {
    assert.equal(await textIn(t.id, "value-Directory (tenant) ID"), t.id);
    const [card] = await session.findAll(inCard(t.id, ""), "xpath");
    assert.match(await session.text(card), new RegExp(t.domain.replace(/\./g, "\\.")));
  }
  assert.equal(await textIn(contoso.id, "value-Application (client) ID"), made.applicationId);
  assert.equal(await textIn(contoso.id, "value-Object ID"), made.objectId);
  assert.match(await textIn(contoso.id, "run-state"), /Ready/);
  assert.match(await textIn(fabrikam.id, "run-state"), /Failed at step 13/);

  // The countdown is live: its text changes within a few seconds.
  const timer = inCard(contoso.id, '//*[@role="timer"]');
  const [el] = await session.waitForAll(timer, 1, 10_000, "xpath");
  const before = await session.text(el);
  assert.match(before, /^PMPC deadline: 2 d \d+ h \d+ min \d+ s left$/);
  let after = before;
  for (let i = 0; i < 30 && after === before; i++) {
    await sleep(100);
    after = await session.text(el);
  }
  assert.notEqual(after, before, "the countdown ticks");
  await sleep(1200);
  assert.notEqual(await session.text(el), after, "and keeps ticking");
  await shot("runs");

  // Show: the secret the CLI stored in the keychain, read back by the app.
  await clickLabelled("Show the client secret of Contoso");
  const secret = await waitForText(contoso.id, "secret-value", /^(?!•+$).+/, 10_000);
  assert.equal(secret, made.clientSecret);
  await clickLabelled("Hide the client secret of Contoso");
  assert.match(await textIn(contoso.id, "secret-value"), /^•+$/);
  await session.execute(`document.querySelector('[data-tenant-id="${contoso.id}"]').scrollIntoView()`);
  await shot("runs-contoso");
  await session.execute(`document.querySelector("main").scrollTo(0, 0)`);
});

test("Delete signs in to the run's own tenant and deletes only that app", async () => {
  await clickLabelled("Delete app registration from Fabrikam");
  const question = await textIn(fabrikam.id, "confirm-delete");
  assert.match(question, /Delete the app registration "PMPC Recovery" from Fabrikam \(fabrikam\.onmicrosoft\.com\)\?/);
  await clickLabelled("Yes, delete it from Fabrikam");
  // The sign-in the card shows is pinned to Fabrikam's tenant: the test follows it like a browser.
  const url = await textIn(fabrikam.id, "value-Sign-in address", 30_000);
  assert.ok(url.startsWith(`${origin}/${fabrikam.id}/oauth2/v2.0/authorize?`), url);
  await shot("runs-signing-in");
  for (let next = url, i = 0; next && i < 5; i++) {
    const res = await fetch(next, { redirect: "manual" });
    const location = res.headers.get("location");
    next = location ? new URL(location.replace("://localhost:", "://127.0.0.1:"), next).href : null;
  }
  await waitForText(fabrikam.id, "run-state", /Deleted/);
  assert.equal(await textIn(fabrikam.id, "run-status"), 'Deleted "PMPC Recovery" from Fabrikam.', "no secret of Fabrikam's was on this computer");
  await shot("runs-deleted");

  const state = await admin("GET", "/state");
  const apps = (id) => state.tenants.find((t) => t.tenantId === id || t.id === id)?.applications.filter((a) => a.displayName === "PMPC Recovery") ?? [];
  assert.equal(apps(fabrikam.id).length, 0, "Fabrikam's app is deleted");
  assert.deepEqual(apps(contoso.id).map((a) => a.appId), [made.applicationId], "Contoso's app stays");
  // Contoso's run and secret are untouched.
  assert.match(await textIn(contoso.id, "run-state"), /Ready/);
});
