// The real app under Xvfb, in practice mode, from Welcome to Finish: read the four values off the
// page and prove through the practice tenant (tenant-sim) that the secret works.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { Session, startDriver } from "./webdriver.mjs";

const app = process.env.APP_BINARY;
const artifacts = process.env.ARTIFACTS_DIR;
let driver;
let session;
let practiceAddr;

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
});
