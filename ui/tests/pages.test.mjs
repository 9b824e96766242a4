// The built UI in headless Chromium, its IPC answered by the scripted fake (tests/ipc-mock.ts):
// a screenshot of every page in automatic, step-by-step and presenter mode, and an axe-core scan
// of each page with no violations. Screenshots go to ../artifacts/ui/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { useHarness, newPage, open, capture, mock, shots, origin } from "./harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));

useHarness();

async function pageTitles(page) {
  return page.getByTestId("step-title").allTextContents();
}

async function visitEveryPage(page, prefix) {
  const titles = await pageTitles(page);
  assert.equal(titles.length, 16);
  for (let n = 1; n <= 16; n++) {
    await page.getByRole("button", { name: new RegExp(`^Step ${n}: `) }).click();
    await page.getByRole("heading", { level: 2, name: titles[n - 1] }).waitFor();
    await capture(page, `${prefix}-${String(n).padStart(2, "0")}`);
  }
  await page.getByRole("button", { name: "Finish", exact: true }).click();
  await capture(page, `${prefix}-17-finish`);
}

async function startPractice(page, { stepByStep = false, presenter = false } = {}) {
  if (stepByStep || presenter) await page.getByText("Options: Microsoft cloud").click();
  if (stepByStep) await page.getByLabel(/One at a time/).check();
  if (presenter) await page.getByRole("checkbox", { name: /Presenter mode: larger text/ }).check();
  await page.getByRole("button", { name: "Practice run" }).click();
  await page.getByRole("heading", { name: "Is this the tenant of your PMPC company?" }).waitFor();
}

test("automatic mode: every page after a practice run", async () => {
  const { page, errors } = await open();
  await capture(page, "automatic-00-welcome");
  await startPractice(page);
  await capture(page, "automatic-01-confirm-tenant");
  await page.getByRole("button", { name: "Yes, this is my PMPC company's tenant" }).click();
  await page.getByRole("heading", { name: "Done: give these values to Patch My PC Cloud" }).waitFor();
  assert.ok((await page.getByTestId("practice-badge").textContent()).includes("Practice run"));
  // The frozen clock: the practice app was made 5 minutes ago on any day these tests run.
  await page.getByRole("button", { name: /^Step 13: / }).click();
  assert.match(await page.getByTestId("countdown-compact").textContent(), /PMPC deadline: 2 d 23 h 5\d min left/);
  await visitEveryPage(page, "automatic");
  assert.deepEqual(errors, []);
  await page.close();
});

test("step-by-step mode: each page waits for Next", async () => {
  const { page, errors } = await open();
  await startPractice(page, { stepByStep: true });
  await page.getByRole("button", { name: "Yes, this is my PMPC company's tenant" }).click();
  const next = page.getByRole("button", { name: /^Next: / });
  let seen = 0;
  while (seen < 20) {
    await next.or(page.getByRole("heading", { name: "Done: give these values to Patch My PC Cloud" })).first().waitFor();
    if (!(await next.isVisible())) break;
    const doneBefore = await page.evaluate(() => window.__FAKE__.stepsDone);
    await capture(page, `step-by-step-live-${String(seen).padStart(2, "0")}`);
    await next.click();
    seen += 1;
    // The engine did one more step (or finished).
    await page.waitForFunction(
      (before) => window.__FAKE__.stepsDone > before,
      doneBefore,
    );
  }
  assert.ok(seen >= 5, `expected the run to pause at least 5 times, paused ${seen}`);
  assert.equal(await page.evaluate(() => window.__FAKE__.proceedCount), seen);
  await visitEveryPage(page, "step-by-step");
  assert.deepEqual(errors, []);
  await page.close();
});

test("presenter mode: larger text, secret shown only while held", async () => {
  const { page, errors } = await open();
  await startPractice(page, { presenter: true });
  const size = await page.evaluate(() => getComputedStyle(document.documentElement).fontSize);
  assert.equal(size, "22px");
  await page.getByRole("button", { name: "Yes, this is my PMPC company's tenant" }).click();
  await page.getByRole("heading", { name: "Done: give these values to Patch My PC Cloud" }).waitFor();
  const secret = page.getByTestId("secret-value");
  const hold = page.getByRole("button", { name: "Hold to show the client secret" });
  assert.ok(!(await secret.textContent()).includes("fake-secret"));
  await hold.hover();
  await page.mouse.down();
  await page.waitForFunction(() => document.querySelector('[data-testid="secret-value"]').textContent.includes("fake-secret"));
  await page.mouse.up();
  await page.waitForFunction(() => !document.querySelector('[data-testid="secret-value"]').textContent.includes("fake-secret"));
  await visitEveryPage(page, "presenter");
  assert.deepEqual(errors, []);
  await page.close();
});

test("dark mode and an error page pass the same checks", async () => {
  const { page, errors } = await open({
    colorScheme: "dark",
    fakeOptions: {
      failAt: {
        step: "grantConsent",
        error: {
          code: "consentRequiresPrivilegedRole",
          message: "Microsoft Graph refused to grant the permission: your account cannot grant Microsoft Graph application permissions.",
          remedy: "Granting a Microsoft Graph application permission needs a Global Administrator or a Privileged Role Administrator.",
          requestId: "5f0e1c2d-0000-4000-8000-000000000042",
        },
      },
    },
  });
  await capture(page, "dark-00-welcome");
  await startPractice(page);
  await page.getByRole("button", { name: "Yes, this is my PMPC company's tenant" }).click();
  await page.getByTestId("error-panel").waitFor();
  await page.getByText("Details for support").click();
  await capture(page, "dark-11-error");
  // The whole panel with its support section open, as a non-technical admin sees it.
  const panel = page.getByTestId("error-panel");
  await panel.scrollIntoViewIfNeeded();
  await panel.screenshot({ path: join(shots, "dark-11-error-panel.png") });
  await page.getByRole("button", { name: "Copy diagnostics" }).click();
  await page.getByText("Copied (no secrets included)").waitFor();
  const report = await page.evaluate(() => window.__FAKE__.copied.at(-1));
  assert.match(report, /app version: 0\.1\.0; os: linux x86_64/);
  assert.match(report, /request ids: .*5f0e1c2d-0000-4000-8000-000000000042/);
  await page.getByRole("button", { name: "Open log folder" }).click();
  await page.getByText("The log folder is open in a new window").waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test("the other states a user can meet: waiting for the browser, existing apps, a limited role, hand-off", async () => {
  let { page, errors } = await open({ fakeOptions: { waitForBrowser: true } });
  await page.getByRole("button", { name: "Sign in to Microsoft" }).click();
  await page.getByText("Your web browser has opened Microsoft's sign-in page.").waitFor();
  await capture(page, "state-01-waiting-for-browser");
  await page.getByRole("button", { name: "Cancel sign-in" }).click();
  await page.getByTestId("error-panel").waitFor();
  await capture(page, "state-01-sign-in-cancelled");
  assert.deepEqual(errors, []);
  await page.close();

  ({ page, errors } = await open({
    fakeOptions: {
      existing: [
        { objectId: "11111111-1111-4111-8111-111111111111", appId: "22222222-2222-4222-8222-222222222222", displayName: "PMPC Recovery", createdDateTime: "2026-10-02T08:15:00Z" },
      ],
    },
  }));
  await startPractice(page);
  await page.getByRole("button", { name: "Yes, this is my PMPC company's tenant" }).click();
  await page.getByRole("button", { name: "Use this one" }).waitFor();
  await capture(page, "state-02-existing-app");
  assert.deepEqual(errors, []);
  await page.close();

  ({ page, errors } = await open({
    fakeOptions: {
      roles: {
        verdict: "cannotGrantConsent",
        roles: ["Application Administrator"],
        eligible: [],
        explanation:
          "You are an Application Administrator: you can do every step except granting the permission (steps 11 and 12), which needs a Global Administrator or a Privileged Role Administrator.",
      },
    },
  }));
  await startPractice(page);
  await capture(page, "state-01-limited-role");
  await page.getByRole("button", { name: "Yes, continue; an administrator will grant the permission" }).click();
  await page.getByRole("heading", { name: "Almost done: an administrator must grant the permission" }).waitFor();
  await capture(page, "state-17-waiting-for-consent");
  await page.getByRole("button", { name: /^Step 11: / }).click();
  await page.getByTestId("value-Admin consent link").waitFor();
  await capture(page, "state-11-consent-link");
  assert.deepEqual(errors, []);
  await page.close();
});

test("options for a guest admin, and the tenant page a guest sees", async () => {
  const { page, errors } = await open({
    fakeOptions: {
      guest: true,
      roles: {
        verdict: "noAdminRole",
        roles: [],
        eligible: ["Global Administrator"],
        explanation:
          "Your account has no active admin role in this tenant. Granting admin consent (steps 11–12) needs a Global Administrator or a Privileged Role Administrator: sign in as one of them, or go on and send them the admin-consent link. You are eligible for Global Administrator through Privileged Identity Management, but it is not active: activate it (Microsoft Entra admin center > My roles), then start again.",
      },
    },
  });
  // Tall enough to show the whole Options section and the whole tenant page in one picture.
  await page.setViewportSize({ width: 1200, height: 1400 });
  await page.getByText("Options: Microsoft cloud").click();
  const tenant = page.getByLabel("Tenant (domain or ID)");
  const clientId = page.getByLabel("Sign-in app (client ID)");
  await tenant.fill("it-admin@contoso.com");
  await clientId.focus();
  assert.equal(await tenant.inputValue(), "contoso.com");
  await page.getByTestId("tenant-filled").waitFor();
  await clientId.fill("PMPC sign-in app");
  await tenant.focus();
  await page.getByTestId("client-id-error").waitFor();
  await page.evaluate(() => document.querySelector(".options").scrollIntoView({ block: "start" }));
  await capture(page, "options-00-welcome-options");
  await page.getByRole("button", { name: "Sign in to Microsoft" }).click();
  assert.equal(await page.evaluate(() => window.__FAKE__.signIns.length), 0, "no sign-in with an invalid client ID");
  await clientId.fill("0b5c5e52-6f0f-4a51-9d4e-1f2f3a4b5c6d");
  await page.getByRole("button", { name: "Sign in to Microsoft" }).click();
  await page.getByRole("heading", { name: "Is this the tenant of your PMPC company?" }).waitFor();
  const sent = await page.evaluate(() => window.__FAKE__.signIns.at(-1));
  assert.equal(sent.tenant, "contoso.com");
  assert.equal(sent.clientId, "0b5c5e52-6f0f-4a51-9d4e-1f2f3a4b5c6d");
  await page.getByTestId("guest-note").waitFor();
  await page.getByTestId("eligible-roles").waitFor();
  await capture(page, "options-01-guest-tenant");
  assert.deepEqual(errors, []);
  await page.close();
});

test("the options with an error, in dark mode", async () => {
  const { page, errors } = await open({ colorScheme: "dark" });
  await page.setViewportSize({ width: 1200, height: 1400 });
  await page.getByText("Options: Microsoft cloud").click();
  await page.getByLabel("Sign-in app (client ID)").fill("0b5c5e52-6f0f-4a51-9d4e-1f2f3a4b5c6d");
  await page.getByLabel("Tenant (domain or ID)").focus();
  await page.getByTestId("tenant-error").waitFor();
  await capture(page, "dark-00-welcome-options");
  assert.deepEqual(errors, []);
  await page.close();
});

// --- what a first-time user meets (issue 13) -----------------------------------------------------

/**
 * Chromium's own accessibility tree (CDP Accessibility.getFullAXTree), in document order, reduced
 * to what a screen-reader user navigates by: landmarks, headings, buttons and links with their
 * names, and live regions (role and politeness).
 */
async function accessibilityTree(page) {
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

const PLAN = JSON.parse(readFileSync(join(here, "..", "src", "lib", "bindings", "plan.json"), "utf8"));
/** The step list as a screen reader names it, each step in the given state. */
const stepButtons = (state = () => "not started") =>
  PLAN.steps.map((s) => `button "Step ${s.number}: ${s.title}, ${state(s.number)}"`);

/** The page never talks about a browser in a practice run. */
const BROWSER_CLAIMS = /browser has opened|in your web browser|browser did not open|Opens your web browser|Cancel sign-in/i;

test("accessibility tree: Welcome, Sign in and Finish as a screen reader meets them", async () => {
  const { page, errors } = await open({ fakeOptions: { waitForBrowser: true } });
  const header = ['link "Skip to the page"', "banner", 'heading 1 "PMPC Recovery Wizard"'];
  assert.deepEqual(await accessibilityTree(page), [
    ...header,
    "complementary",
    'button "Start"',
    'navigation "The 16 steps"',
    ...stepButtons(),
    'button "Finish"',
    "main",
    'heading 2 "Create the PMPC Recovery app registration"',
    'heading 3 "What you need"',
    'button "Sign in to Microsoft"',
    'button "Practice run"',
    'button "Your runs on this computer"',
    // A button that says it opens (it was a <details> summary that WebKitGTK gave no role).
    'button "Options: Microsoft cloud, tenant, sign-in app, one step at a time, presenter mode" expanded=false',
    "status live=polite",
  ]);

  // Sign in, while the browser sign-in is pending (a real sign-in).
  await page.getByRole("button", { name: "Sign in to Microsoft" }).click();
  await page.getByText("Your web browser has opened Microsoft's sign-in page.").waitFor();
  assert.deepEqual(await accessibilityTree(page), [
    ...header,
    "complementary",
    'button "Start"',
    'navigation "The 16 steps"',
    ...stepButtons((n) => (n === 1 ? "waiting for your answer" : "not started")),
    'button "Finish"',
    "main",
    'heading 2 "Sign in"',
    // "If Microsoft's page shows an error, come back here and press Cancel", from the start.
    'button "Cancel sign-in"',
    'button "Copy Sign-in address"',
    "status live=polite",
    `heading 3 "What Microsoft's sign-in page will ask"`,
    'button "Back"',
    "status live=polite",
  ]);
  assert.match(await page.getByTestId("live-region").textContent(), /Signing in to Microsoft|Step 1/);
  await page.close();

  // Sign in with the tenant question, then Finish, in a practice run.
  const second = await open();
  await startPractice(second.page);
  assert.deepEqual(await accessibilityTree(second.page), [
    ...header,
    "complementary",
    'button "Start"',
    'navigation "The 16 steps"',
    ...stepButtons((n) => (n === 1 ? "waiting for your answer" : "not started")),
    'button "Finish"',
    "main",
    'heading 2 "Sign in"',
    'heading 3 "Is this the tenant of your PMPC company?"',
    'button "Yes, this is my PMPC company\'s tenant"',
    'button "No, sign in with another account"',
    'button "Back"',
    "status live=polite",
  ]);
  assert.equal(
    await second.page.getByTestId("live-region").textContent(),
    "Signed in. Your answer is needed on step 1: Is this the tenant of your PMPC company?",
  );
  await second.page.getByRole("button", { name: "Yes, this is my PMPC company's tenant" }).click();
  await second.page.getByRole("heading", { name: "Done: give these values to Patch My PC Cloud" }).waitFor();
  // The header's countdown gives way to Finish's own.
  assert.deepEqual(await accessibilityTree(second.page), [
    ...header,
    "complementary",
    'button "Start"',
    'navigation "The 16 steps"',
    ...stepButtons(() => "done"),
    'button "Finish"',
    "main",
    'heading 2 "Done: give these values to Patch My PC Cloud"',
    "timer live=off",
    'heading 3 "Your values"',
    'button "Copy Application (client) ID"',
    "status live=polite",
    'button "Copy Object ID"',
    "status live=polite",
    'button "Copy Directory (tenant) ID"',
    "status live=polite",
    'button "Show the client secret"',
    'button "Copy client secret value"',
    "status live=polite",
    'button "Copy all four values as a labelled block"',
    "status live=polite",
    'heading 3 "For your records"',
    'button "Save receipt"',
    'button "Add to calendar"',
    "status live=polite",
    'heading 3 "About these values"',
    'heading 3 "When PMPC has confirmed your recovery"',
    'button "Delete this app registration"',
    'button "Forget secrets on this computer"',
    'heading 3 "Another tenant?"',
    'button "Recover another tenant"',
    'button "Your runs on this computer"',
    "status live=polite",
  ]);
  assert.match(await second.page.getByTestId("live-region").textContent(), /^Done: all steps finished\. .* left to give them to Patch My PC Cloud\.$/);
  assert.deepEqual(errors, []);
  assert.deepEqual(second.errors, []);
  await second.page.close();
});

test("practice run: the sign-in page never talks about a browser", async () => {
  const { page, errors } = await open({ fakeOptions: { waitForBrowser: true } });
  await page.getByRole("button", { name: "Practice run" }).click();
  await page.getByTestId("practice-sign-in").waitFor();
  const text = await page.locator("main").innerText();
  assert.doesNotMatch(text, BROWSER_CLAIMS);
  assert.match(text, /No browser opens and there is nothing to type/);
  assert.match(await page.getByTestId("step-status").innerText(), /Signing in to the practice tenant/);
  // Nothing to wait for from the user: no "answer needed" while the practice tenant signs in.
  assert.equal(await page.getByRole("button", { name: /^Step 1: .*waiting for your answer$/ }).count(), 0);
  await capture(page, "practice-01-signing-in");
  assert.deepEqual(errors, []);
  await page.close();
});

test("answer needed: Next never hides the question, and every other page says where it is", async () => {
  const { page, errors } = await open();
  await startPractice(page);
  // The page with the question offers no Next.
  assert.equal(await page.getByRole("button", { name: "Next", exact: true }).count(), 0);
  assert.match(await page.getByTestId("answer-here").innerText(), /answered above/);
  // Looking elsewhere: the banner and the step list say where the answer is needed.
  await page.getByRole("button", { name: /^Step 5: / }).click();
  const banner = page.getByTestId("answer-needed");
  await banner.waitFor();
  assert.match(await banner.innerText(), /Your answer is needed on step 1\.\s+Is this the tenant of your PMPC company\?/);
  await page.getByRole("button", { name: /^Step 1: Sign in, waiting for your answer$/ }).waitFor();
  await capture(page, "state-05-answer-needed");
  await page.getByRole("button", { name: "Start", exact: true }).click();
  await banner.waitFor();
  await page.getByRole("button", { name: "Go to step 1" }).click();
  await page.getByRole("heading", { name: "Is this the tenant of your PMPC company?" }).waitFor();
  assert.equal(await banner.count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

for (const presenter of [false, true]) {
  const mode = presenter ? "presenter" : "normal";
  test(`Finish at 1200×800 (${mode}): countdown, the four values and Copy all without scrolling`, async () => {
    const { page, errors } = await open();
    await startPractice(page, { presenter });
    await page.getByRole("button", { name: "Yes, this is my PMPC company's tenant" }).click();
    await page.getByRole("heading", { name: "Done: give these values to Patch My PC Cloud" }).waitFor();
    assert.deepEqual(page.viewportSize(), { width: 1200, height: 800 });
    const main = await page.locator("main").boundingBox();
    assert.equal(await page.locator("main").evaluate((m) => m.scrollTop), 0);
    const parts = {
      countdown: page.getByTestId("countdown"),
      "Application (client) ID": page.getByTestId("value-Application (client) ID"),
      "Object ID": page.getByTestId("value-Object ID"),
      "Directory (tenant) ID": page.getByTestId("value-Directory (tenant) ID"),
      "secret row": page.getByTestId("secret-value").locator(".."),
      "Copy secret": page.getByRole("button", { name: "Copy client secret value" }),
      "Copy all": page.getByTestId("copy-all"),
    };
    for (const [name, locator] of Object.entries(parts)) {
      const box = await locator.boundingBox();
      assert.ok(box, `${name} is on the page`);
      assert.ok(box.y >= main.y && box.y + box.height <= Math.min(main.y + main.height, 800), `${name} is in view without scrolling (${mode}): ${JSON.stringify(box)}`);
      assert.ok(box.x + box.width <= 1200, `${name} fits the width (${mode})`);
    }
    await capture(page, `finish-1200x800-${mode}`);
    assert.deepEqual(errors, []);
    await page.close();
  });
}

test("Finish: Save receipt and Add to calendar below the values, and what a save says", async () => {
  const { page, errors } = await open();
  await startPractice(page);
  await page.getByRole("button", { name: "Yes, this is my PMPC company's tenant" }).click();
  await page.getByRole("heading", { name: "Done: give these values to Patch My PC Cloud" }).waitFor();
  const copyAll = await page.getByTestId("copy-all").boundingBox();
  const receipt = page.getByRole("button", { name: "Save receipt" });
  const calendar = page.getByRole("button", { name: "Add to calendar" });
  for (const button of [receipt, calendar]) {
    const box = await button.boundingBox();
    assert.ok(box && box.y > copyAll.y + copyAll.height, "below Copy all");
  }
  await receipt.click();
  await page.getByText(/^Saved the receipt to .*PMPC Recovery receipt - Contoso - 2026-11-28\.html/).waitFor();
  await calendar.click();
  await page.getByText(/^Saved the deadline to .*\.ics/).waitFor();
  assert.deepEqual(await page.evaluate(() => window.__FAKE__.calls.filter((c) => c.startsWith("save"))), ["saveReceipt", "saveCalendar"]);
  await page.getByTestId("records").scrollIntoViewIfNeeded();
  await capture(page, "finish-records");
  assert.deepEqual(errors, []);
  await page.close();
});

// --- the Runs page (issue 12) --------------------------------------------------------------------

async function openRuns(page) {
  await page.getByRole("button", { name: "Your runs on this computer" }).click();
  await page.getByRole("heading", { level: 2, name: "Your runs on this computer" }).waitFor();
}

const countdownOf = (page, tenant) => page.getByTestId("run").filter({ has: page.getByRole("heading", { name: tenant, exact: true }) }).getByRole("timer");

test("Runs page: two runs with their tenants and IDs, a countdown that ticks, reveal, and axe", async () => {
  const { page, errors } = await open();
  await openRuns(page);
  const cards = page.getByTestId("run");
  assert.equal(await cards.count(), 2);
  assert.deepEqual(await page.getByTestId("run-tenant").allTextContents(), ["Contoso", "Fabrikam"]);
  assert.deepEqual(await page.getByTestId("value-Directory (tenant) ID").allTextContents(), [
    "6babcaad-604b-40ac-a9d7-9fd97c0b779f",
    "9c3f2a1e-7b5d-4e8f-a1c2-3d4e5f6a7b8c",
  ]);
  assert.deepEqual(await page.getByTestId("run-state").allInnerTexts(), ["✓ Ready", "! Failed at step 13"]);
  // A live countdown: the text changes within about two seconds.
  const timer = countdownOf(page, "Contoso");
  const first = await timer.textContent();
  assert.match(first, /^\s*PMPC deadline: 2 d \d+ h \d+ min \d+ s left\s*$/);
  await page.waitForFunction(
    (before) => document.querySelector('[data-testid="run"] [role="timer"]').textContent !== before,
    first,
    { timeout: 2500 },
  );
  assert.notEqual(await timer.textContent(), first);
  assert.match(await countdownOf(page, "Fabrikam").textContent(), /passed/);
  await capture(page, "runs");

  // Reveal Contoso's secret (the only one in the keychain).
  await page.getByRole("button", { name: "Show the client secret of Contoso" }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="secret-value"]').textContent.includes("fake-secret"));
  assert.deepEqual(await page.evaluate(() => window.__FAKE__.calls.filter((c) => c.startsWith("revealRunSecret"))), [
    "revealRunSecret 6babcaad-604b-40ac-a9d7-9fd97c0b779f",
  ]);
  await page.getByRole("button", { name: "Hide the client secret of Contoso" }).click();

  // The whole page in one picture.
  await page.setViewportSize({ width: 1200, height: 1550 });
  await page.locator("main").evaluate((m) => m.scrollTo(0, 0));
  await capture(page, "runs-full");
  assert.deepEqual(errors, []);
  await page.close();
});

test("Runs page: as a screen reader meets it, and every action one Tab after another", async () => {
  const { page, errors } = await open();
  await openRuns(page);
  const tree = await accessibilityTree(page);
  const main = tree.slice(tree.indexOf("main"));
  assert.deepEqual(main, [
    "main",
    'heading 2 "Your runs on this computer"',
    'button "Back to the start"',
    'heading 3 "Expired runs"'.replace("Expired runs", "1 run is past the 72-hour deadline"),
    'button "Clean up expired runs"',
    "status live=polite",
    // One line per run, each a link to its card.
    'navigation "2 runs, newest first"',
    'heading 3 "2 runs, newest first"',
    'link "Contoso, Ready, 2 d 1 h left"',
    'link "Fabrikam, Failed at step 13, Past the deadline"',
    'heading 3 "Contoso"',
    "timer live=off",
    'button "Copy Directory (tenant) ID of Contoso"',
    "status live=polite",
    'button "Copy Application (client) ID of Contoso"',
    "status live=polite",
    'button "Copy Object ID of Contoso"',
    "status live=polite",
    'button "Show the client secret of Contoso"',
    'button "Copy client secret value of Contoso"',
    "status live=polite",
    'button "Copy all four values of Contoso as a labelled block"',
    'button "Save receipt of the run for Contoso"',
    'button "Delete app registration from Contoso"',
    'button "Forget the run for Contoso"',
    "status live=polite",
    'heading 3 "Fabrikam"',
    "timer live=off",
    'button "Copy Directory (tenant) ID of Fabrikam"',
    "status live=polite",
    'button "Copy Application (client) ID of Fabrikam"',
    "status live=polite",
    'button "Copy Object ID of Fabrikam"',
    "status live=polite",
    'button "Save receipt of the run for Fabrikam"',
    'button "Delete app registration from Fabrikam"',
    'button "Forget the run for Fabrikam"',
    "status live=polite",
    "status live=polite",
  ]);
  // Keyboard: from the page's heading, Tab reaches every button on the page, in reading order.
  const buttons = await page.locator("main button").evaluateAll((bs) => bs.map((b) => b.getAttribute("aria-label") ?? b.textContent.trim()));
  const reached = [];
  for (let i = 0; i < 40 && reached.length < buttons.length; i++) {
    await page.keyboard.press("Tab");
    const name = await page.evaluate(() => {
      const el = document.activeElement;
      return el?.tagName === "BUTTON" && el.closest("main") ? el.getAttribute("aria-label") ?? el.textContent.trim() : null;
    });
    if (name) reached.push(name);
  }
  assert.deepEqual(reached, buttons);
  assert.deepEqual(errors, []);
  await page.close();
});

test("Runs page: deleting asks first and names the tenant; the sign-in shows; cleaning up expired runs", async () => {
  const { page, errors } = await open({ fakeOptions: { deleteWaitsForBrowser: true } });
  await openRuns(page);
  await page.getByRole("button", { name: "Delete app registration from Contoso" }).click();
  const confirm = page.getByTestId("confirm-delete");
  await confirm.waitFor();
  assert.match(await confirm.innerText(), /Delete the app registration "PMPC Recovery" from Contoso \(contoso\.onmicrosoft\.com\)\?/);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), "confirm-delete", "the question has the focus");
  assert.equal(await page.evaluate(() => window.__FAKE__.calls.filter((c) => c.startsWith("deleteRun")).length), 0);
  await confirm.scrollIntoViewIfNeeded();
  await capture(page, "runs-confirm-delete");
  await page.getByRole("button", { name: "Yes, delete it from Contoso" }).click();
  const work = page.getByTestId("run-work");
  await work.getByText("Sign in to Contoso in your web browser.").waitFor();
  await page.getByTestId("value-Sign-in address").waitFor();
  await work.scrollIntoViewIfNeeded();
  await capture(page, "runs-signing-in");
  await page.getByRole("button", { name: "Cancel sign-in to Contoso" }).click();
  await page.getByTestId("run-error").getByText(/Nothing was deleted from Contoso/).waitFor();
  await capture(page, "runs-delete-cancelled");

  // The expired runs, in one go after one confirmation listing the tenants.
  await page.getByRole("button", { name: "Clean up expired runs" }).click();
  const expired = page.getByTestId("confirm-expired");
  assert.deepEqual(await expired.getByRole("listitem").allTextContents(), ["Fabrikam (fabrikam.onmicrosoft.com)"]);
  await capture(page, "runs-confirm-expired");
  assert.deepEqual(errors, []);
  await page.close();
});

for (const variant of ["presenter", "dark"]) {
  test(`Runs page (${variant}) passes the same checks`, async () => {
    const { page, errors } = await open({ colorScheme: variant === "dark" ? "dark" : "light" });
    if (variant === "presenter") await page.getByRole("checkbox", { name: "Presenter mode" }).check();
    await openRuns(page);
    await page.getByTestId("run").first().waitFor();
    await capture(page, `runs-${variant}`);
    if (variant === "presenter") {
      // The secret shows only while its button is held, as on Finish.
      await page.getByRole("button", { name: "Hold to show the client secret of Contoso" }).waitFor();
    }
    assert.deepEqual(errors, []);
    await page.close();
  });
}

test("Runs page: every state a run can be in, the empty page, and Finish's way there", async () => {
  let { page, errors } = await open({ fakeOptions: { manyRuns: true } });
  await page.setViewportSize({ width: 1200, height: 2300 });
  await openRuns(page);
  assert.deepEqual(await page.getByTestId("run-state").allInnerTexts(), ["✓ Ready", "• Waiting for consent", "! Failed at step 13", "• Deleted"]);
  await capture(page, "runs-many");
  assert.deepEqual(errors, []);
  await page.close();

  ({ page, errors } = await open({ fakeOptions: { runs: [] } }));
  await openRuns(page);
  await page.getByText("No runs on this computer yet").waitFor();
  await capture(page, "runs-empty");
  assert.deepEqual(errors, []);
  await page.close();

  // A real (fake) tenant: its values stay on the Runs page when the next tenant begins.
  ({ page, errors } = await open());
  await page.getByRole("button", { name: "Sign in to Microsoft" }).click();
  await page.getByRole("button", { name: "Yes, this is my PMPC company's tenant" }).click();
  await page.getByRole("heading", { name: "Done: give these values to Patch My PC Cloud" }).waitFor();
  const next = page.getByTestId("finish-next");
  await next.scrollIntoViewIfNeeded();
  await capture(page, "finish-next");
  await next.getByRole("button", { name: "Your runs on this computer" }).click();
  await page.getByRole("heading", { level: 2, name: "Your runs on this computer" }).waitFor();
  await page.getByRole("button", { name: "Back to Finish" }).click();
  await page.getByRole("heading", { name: "Done: give these values to Patch My PC Cloud" }).waitFor();
  await page.getByRole("button", { name: "Recover another tenant" }).click();
  await page.getByTestId("next-tenant").waitFor();
  await capture(page, "welcome-next-tenant");
  assert.deepEqual(errors, []);
  await page.close();
});

// --- nothing moves under the pointer (issue 22) ----------------------------------------------------

/**
 * Runs in the page before the app: every animation frame, the position of every control on screen
 * (buttons, the Options toggle, links, fields) is compared with where it was first painted, in the
 * page's own coordinates (scrolling is not a move). A move
 * of more than half a pixel is recorded with the control's name, how far and when.
 */
function recordControlPositions() {
  const first = new Map();
  const moves = [];
  let running = true;
  const name = (el) => (el.getAttribute("aria-label") ?? el.textContent.trim().replace(/\s+/g, " ").slice(0, 60)) || el.id || el.tagName;
  const frame = () => {
    for (const el of document.querySelectorAll("button, summary, a[href], input, select")) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      // Where it sits in the page, not in the viewport: scrolling (the test's clicks scroll a
      // control into view first) is not a shift.
      const r = { x: box.x, y: box.y };
      for (let p = el.parentElement; p; p = p.parentElement) {
        r.x += p.scrollLeft;
        r.y += p.scrollTop;
      }
      const was = first.get(el);
      if (!was) {
        first.set(el, { x: r.x, y: r.y, at: performance.now() });
      } else if (Math.abs(r.x - was.x) > 0.5 || Math.abs(r.y - was.y) > 0.5) {
        moves.push(`${el.tagName.toLowerCase()} "${name(el)}" moved by (${Math.round(r.x - was.x)}, ${Math.round(r.y - was.y)}) px ${Math.round(performance.now() - was.at)} ms after it was painted`);
        was.x = r.x;
        was.y = r.y;
      }
    }
    if (running) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  window.__layout__ = {
    stop() {
      running = false;
      return { seen: first.size, moves: [...new Set(moves)] };
    },
  };
}

/** Opens the app with the recorder running from the first frame. */
async function openRecording(fakeOptions) {
  const page = await newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.addInitScript(recordControlPositions);
  await page.addInitScript((o) => (window.__FAKE_OPTIONS__ = o), fakeOptions);
  await page.addInitScript({ path: mock });
  await page.goto(origin);
  return { page, errors };
}

/** Lets the page settle (the backend's answers are in, a countdown ticked), then reads what moved. */
async function movesAfterSettling(page) {
  await page.waitForTimeout(1200);
  return page.evaluate(() => window.__layout__.stop());
}

// The shell reads the earlier run from its journal and the keychain: in the real window that
// answer came 20-210 ms after the plan, and Welcome's section about it pushed the buttons down
// (by 203 px here before the fix). 3500 ms: later than the page waits for it (it then comes last).
for (const statusDelayMs of [0, 150, 600, 3500]) {
  test(`Welcome with an earlier run answering after ${statusDelayMs} ms: no control moves once painted`, async () => {
    const { page, errors } = await openRecording({ earlierRun: true, statusDelayMs });
    const earlier = page.getByRole("heading", { name: "You already made one on this computer" });
    await earlier.waitFor();
    // Its time says its zone, with UTC beside it (one formatter for every page).
    assert.match(await page.locator(".earlier").innerText(), /Created \w{3}, \w{3} \d+, 2026, \d\d:\d\d [AP]M EST \((\w{3} \d+, )?\d\d:\d\d UTC\)\./);
    const { seen, moves } = await movesAfterSettling(page);
    assert.ok(seen >= 6, `the recorder saw the page's controls (${seen})`);
    assert.deepEqual(moves, []);
    if (statusDelayMs === 150) await capture(page, "welcome-settled");
    assert.deepEqual(errors, []);
    await page.close();
  });
}

test("Runs and Finish: no control moves once painted while the runs load and the countdowns tick", async () => {
  const { page, errors } = await openRecording({ earlierRun: true, statusDelayMs: 150, runsDelayMs: 300, manyRuns: true });
  await page.getByRole("heading", { name: "You already made one on this computer" }).waitFor();
  await page.getByRole("button", { name: "Your runs on this computer" }).click();
  await page.getByTestId("run").first().waitFor();
  let { moves } = await movesAfterSettling(page);
  assert.deepEqual(moves, [], "Runs page");

  await page.evaluate(recordControlPositions);
  await page.getByRole("button", { name: "Back to the start" }).click();
  await page.getByRole("button", { name: "See its values" }).click();
  await page.getByRole("heading", { name: "Done: give these values to Patch My PC Cloud" }).waitFor();
  ({ moves } = await movesAfterSettling(page));
  assert.deepEqual(moves, [], "Finish");
  assert.deepEqual(errors, []);
  await page.close();
});

// --- many runs at 1200×800 (issue 22) ---------------------------------------------------------------

for (const count of [1, 5, 20]) {
  test(`Runs page with ${count} run${count === 1 ? "" : "s"} at 1200×800: a line per run leads to its card, no step list`, async () => {
    const { page, errors } = await open({ fakeOptions: { runCount: count } });
    await openRuns(page);
    await page.getByTestId("run").first().waitFor();
    assert.equal(await page.getByTestId("run").count(), count);
    // The steps mean nothing here: the page has the whole width.
    assert.equal(await page.getByRole("navigation", { name: "The 16 steps" }).count(), 0);
    const glance = page.getByTestId("runs-glance");
    if (count === 1) {
      assert.equal(await glance.count(), 0, "one run needs no summary");
    } else {
      const lines = glance.getByRole("link");
      assert.equal(await lines.count(), count);
      // Each line: the tenant, its state in words, the time left (or why there is none).
      const texts = (await lines.allInnerTexts()).map((t) => t.replace(/[,·]/g, " ").replace(/\s+/g, " ").trim());
      assert.match(texts[0], /^Contoso Ready 2 d \d+ h left$/);
      assert.ok(texts.some((t) => /^Fabrikam Failed at step 13 Past the deadline$/.test(t)), texts.join(" | "));
      // The whole summary is on the first screen.
      const box = await glance.boundingBox();
      assert.ok(box.y + box.height <= 800, `the summary ends at ${box.y + box.height} px`);
    }
    await capture(page, `runs-${count}`);
    if (count > 1) {
      // A line jumps to its card: the card's heading has the focus and is on screen.
      const last = glance.getByRole("link").last();
      const name = (await last.locator(".who").textContent()).trim();
      await last.click();
      const heading = page.getByTestId("run-tenant").last();
      assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), name);
      const hb = await heading.boundingBox();
      assert.ok(hb.y >= 0 && hb.y < 800, `the card's heading is on screen (y ${hb.y})`);
      await capture(page, `runs-${count}-jumped`);
    }
    assert.deepEqual(errors, []);
    await page.close();
  });
}
