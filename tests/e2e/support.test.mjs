// The app shell's support features in the real window: one instance at a time, a log for support
// that never holds a token or the secret (after a practice run and after a failed run, logging at
// TRACE), and one data folder shared with the CLI.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { createInterface } from "node:readline";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Session, startDriver } from "./webdriver.mjs";

const app = process.env.APP_BINARY;
const cli = process.env.CLI_BINARY;
const simBinary = process.env.SIM_BINARY;
const artifacts = process.env.ARTIFACTS_DIR;
let sim;
let tenant;
let driver;
let dataHome;
/** Every secret value the page showed, to look for in the log. */
const secrets = [];

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
  assert.ok(app && cli && simBinary && artifacts, "APP_BINARY, CLI_BINARY, SIM_BINARY and ARTIFACTS_DIR must be set (run `make e2e`)");
  // A tenant whose policy forbids client secrets: the run fails at step 13, after signing in and
  // creating the app, with tokens in flight the whole time.
  const scenario = join(mkdtempSync(join(tmpdir(), "pmpc-scenario-")), "scenario.json");
  writeFileSync(scenario, JSON.stringify({ passwordPolicy: "block" }));
  sim = spawn(simBinary, ["serve", "--addr", "127.0.0.1:0", "--auto-sign-in", "grace.admin@contoso.onmicrosoft.com", "--scenario", scenario], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const first = await createInterface({ input: sim.stdout })[Symbol.asyncIterator]().next();
  tenant = JSON.parse(first.value);
  // A data folder of this file's own (other files run tenants with the same id); the app gets
  // everything here through tauri-driver and WebKitWebDriver.
  dataHome = mkdtempSync(join(tmpdir(), "pmpc-e2e-support-"));
  Object.assign(process.env, {
    XDG_DATA_HOME: dataHome,
    PMPC_AUTHORITY_HOST: tenant.origin,
    PMPC_GRAPH_BASE_URL: tenant.origin,
    PMPC_PRACTICE_ADDR: `127.0.0.1:${await freePort()}`,
    PMPC_RECOVERY_LOG: "trace",
    BROWSER: "true",
  });
  driver = await startDriver();
});

after(() => {
  driver?.kill();
  sim?.kill();
});

async function followSignIn(url) {
  for (let i = 0; i < 5 && url; i++) {
    const res = await fetch(url, { redirect: "manual" });
    const next = res.headers.get("location");
    url = next ? new URL(next.replace("://localhost:", "://127.0.0.1:"), url).href : null;
  }
}

function exitOf(child, timeoutMs) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve("still running"), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

test("a second launch hands over to the open window and exits", async () => {
  const session = await Session.open(app);
  try {
    await session.button("Practice run");
    const second = spawn(app, [], { stdio: "ignore", env: process.env });
    const code = await exitOf(second, 20_000);
    if (code === "still running") second.kill();
    assert.equal(code, 0, "the second instance exits at once");
    // The first window is still there and working.
    await session.click(await session.button("Practice run"));
    await session.click(await session.button("Yes, this is my PMPC company's tenant"));
    await session.waitForAll(`//h2[normalize-space()="Done: give these values to Patch My PC Cloud"]`, 1, 120_000, "xpath");
    await session.click(await session.button("Show"));
    for (let i = 0; i < 50; i++) {
      const text = await session.textOf('[data-testid="secret-value"]');
      if (!/^•+$/.test(text)) {
        secrets.push(text);
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(secrets.length, 1, "the practice secret was shown");
  } finally {
    await session.close();
  }
});

test("a failed run says what to do, offers the log folder, and the CLI sees the run", async () => {
  const session = await Session.open(app);
  try {
    await session.click(await session.button("Sign in to Microsoft"));
    const [link] = await session.waitForAll('[data-testid="value-Sign-in address"]', 1, 30_000);
    await followSignIn(await session.text(link));
    await session.click(await session.button("Yes, this is my PMPC company's tenant"));
    const [panel] = await session.waitForAll('[data-testid="error-panel"]', 1, 120_000);
    assert.match(await session.text(panel), /policy/i);
    await session.click((await session.findAll("//summary[normalize-space()='Details for support']", "xpath"))[0]);
    await session.button("Open log folder");
    // Through the app's own `diagnostics` command (gated in capabilities); the click scrolls the
    // support section into view for the picture.
    await session.click(await session.button("Copy diagnostics"));
    for (let i = 0; i < 50 && !/Copied/.test(await session.textOf('[data-testid="support-note"]')); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(await session.textOf('[data-testid="support-note"]'), /Copied \(no secrets included\)/);
    writeFileSync(join(artifacts, "error-panel.png"), await session.screenshot());
  } finally {
    await session.close();
  }
  // The CLI, with the same user environment, finds the app's run in the shared folder.
  const out = JSON.parse(execFileSync(cli, ["status", "--json"], { env: process.env }).toString());
  const run = out.runs.find((r) => r.journal.tenantId === tenant.tenantId);
  assert.ok(run, JSON.stringify(out));
  assert.ok(run.journal.app?.appId, "the app the run created is recorded");
});

test("the log has what support needs and no token or secret", () => {
  const dir = join(dataHome, "pmpc-recovery", "logs");
  const files = readdirSync(dir).filter((f) => f.endsWith(".log"));
  assert.ok(files.length >= 1, `log files in ${dir}`);
  const log = files.map((f) => readFileSync(join(dir, f), "utf8")).join("\n");
  writeFileSync(join(artifacts, "app.log"), log);
  // Checked with test() so a failure names the rule without printing the whole log (in app.log).
  const has = (re, what) => assert.ok(re.test(log), what);
  const hasNot = (re, what) => assert.ok(!re.test(log), `${what}: ${re.exec(log)?.[0]}`);
  has(/PMPC Recovery Wizard started/, "the start is in the log");
  has(/error_code="secretPolicyBlocked"/, "the failure is in the log, with the code the UI shows");
  has(/second launch/, "the second launch is in the log");
  for (const s of secrets) assert.ok(!log.includes(s), "the client secret is not in the log");
  hasNot(/eyJ[A-Za-z0-9_-]{8,}/, "no JWT");
  hasNot(/bearer\s+(?!\[redacted\])[A-Za-z0-9]/i, "no bearer token");
  for (const p of ["client_secret", "refresh_token", "access_token", "id_token", "code", "code_verifier"]) {
    hasNot(new RegExp(`\\b${p}=(?!\\[redacted\\])[^&\\s]`), `no ${p}=`);
  }
});
