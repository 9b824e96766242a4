// The real app under Xvfb, in practice mode, from Welcome to Finish: read the four values off the
// page and prove through the practice tenant (tenant-sim) that the secret works; then save the
// receipt and the calendar file (PMPC_SAVE_DIR stands in for the save dialog, which WebDriver
// cannot drive), read them back, and render the receipt in headless Chromium.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Session, startDriver } from "./webdriver.mjs";

const app = process.env.APP_BINARY;
const artifacts = process.env.ARTIFACTS_DIR;
let driver;
let session;
let practiceAddr;
let saveDir;

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
  practiceAddr = `127.0.0.1:${await freePort()}`;
  // tauri-driver passes its environment on to the app: the practice tenant listens where we can reach it.
  process.env.PMPC_PRACTICE_ADDR = practiceAddr;
  // ... and saves files here instead of asking with the OS's save dialog.
  saveDir = mkdtempSync(join(tmpdir(), "pmpc-saved-"));
  process.env.PMPC_SAVE_DIR = saveDir;
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

function claims(jwt) {
  return JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString("utf8"));
}

test("a practice run from Welcome to Finish hands over values that work", async () => {
  await session.click(await session.button("Practice run"));
  await session.click(await session.button("Yes, this is my PMPC company's tenant"));
  await session.waitForAll(`//h2[normalize-space()="Done: give these values to Patch My PC Cloud"]`, 1, 120_000, "xpath");
  await shot("practice-finish");

  const appId = await session.textOf('[data-testid="value-Application (client) ID"]');
  const objectId = await session.textOf('[data-testid="value-Object ID"]');
  const tenantId = await session.textOf('[data-testid="value-Directory (tenant) ID"]');
  for (const v of [appId, objectId, tenantId]) assert.match(v, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.match(await session.textOf('[data-testid="verified"]'), /Checked/);

  // Masked until revealed.
  const masked = await session.textOf('[data-testid="secret-value"]');
  assert.match(masked, /^•+$/);
  await session.click(await session.button("Show"));
  let secret = masked;
  for (let i = 0; i < 50 && /^•+$/.test(secret); i++) {
    await new Promise((r) => setTimeout(r, 100));
    secret = await session.textOf('[data-testid="secret-value"]');
  }
  assert.ok(secret.length >= 16 && !/^•+$/.test(secret), "the revealed secret is shown");
  await session.click(await session.button("Hide"));

  // The values work: a client-credentials token from the practice tenant carries AuditLog.Read.All.
  const res = await fetch(`http://${practiceAddr}/${tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: appId,
      client_secret: secret,
      scope: "https://graph.microsoft.com/.default",
    }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify({ error: body.error, error_description: body.error_description }));
  const c = claims(body.access_token);
  assert.equal(c.tid, tenantId);
  assert.equal(c.appid ?? c.azp, appId);
  assert.ok(c.roles.includes("AuditLog.Read.All"), `roles: ${c.roles}`);

  // For the records: the receipt (HTML and JSON) and the deadline (.ics), read back.
  await session.click(await session.button("Save receipt"));
  const saved = async (pattern) => {
    for (let i = 0; i < 100; i++) {
      const name = readdirSync(saveDir).find((f) => pattern.test(f));
      if (name) return join(saveDir, name);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`nothing matching ${pattern} in ${saveDir}: ${readdirSync(saveDir)}`);
  };
  const today = new Date().toISOString().slice(0, 10);
  const htmlFile = await saved(new RegExp(`^PMPC Recovery receipt - .+ - ${today}\\.html$`));
  const jsonFile = htmlFile.replace(/\.html$/, ".json");
  for (let i = 0; i < 50 && !existsSync(jsonFile); i++) await new Promise((r) => setTimeout(r, 100));
  await session.waitForAll(`//*[@data-testid="records-status"][starts-with(normalize-space(), "Saved the receipt to")]`, 1, 20_000, "xpath");
  await session.click(await session.button("Add to calendar"));
  const icsFile = await saved(new RegExp(`^PMPC Recovery deadline - .+ - ${today}\\.ics$`));
  await shot("practice-finish-records");

  const html = readFileSync(htmlFile, "utf8");
  const receipt = JSON.parse(readFileSync(jsonFile, "utf8"));
  const ics = readFileSync(icsFile, "utf8");
  for (const v of [appId, objectId, tenantId]) assert.ok(html.includes(v), `${v} in the receipt`);
  assert.equal(receipt.app.applicationId, appId);
  assert.equal(receipt.app.objectId, objectId);
  assert.equal(receipt.tenant.tenantId, tenantId);
  assert.equal(receipt.practice, true);
  assert.equal(receipt.verified, true);
  assert.ok(receipt.signedIn[0].userPrincipalName.includes("@"));
  assert.ok(receipt.writes.length >= 4 && receipt.writes.every((w) => w.requestId), "every write has its request id");
  assert.match(html, /Practice run/);
  const deadline = receipt.deadline.slice(0, 19).replace(/[-:]/g, "");
  assert.match(ics, new RegExp(`\r\nDTSTART:${deadline}Z\r\n`));
  assert.equal(ics.match(/BEGIN:VEVENT/g).length, 1);
  assert.match(ics, /TRIGGER;RELATED=START:-PT12H/);
  for (const text of [html, JSON.stringify(receipt), ics]) assert.ok(!text.includes(secret), "no secret in a saved file");
  for (const v of [appId, objectId, tenantId]) assert.ok(!ics.includes(v), "the calendar text holds no value");

  // The receipt as a person sees it: headless Chromium, from the saved file.
  const here = dirname(fileURLToPath(import.meta.url));
  const { chromium } = await import(pathToFileURL(join(here, "..", "..", "ui", "node_modules", "playwright-core", "index.mjs")).href);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 1200 } });
    await page.goto(pathToFileURL(htmlFile).href);
    await page.getByRole("heading", { name: "PMPC Recovery receipt" }).waitFor();
    await page.screenshot({ path: join(artifacts, "..", "receipt.png"), fullPage: true });
    await page.pdf({ path: join(artifacts, "..", "receipt.pdf"), format: "A4", printBackground: true });
  } finally {
    await browser.close();
  }
});
