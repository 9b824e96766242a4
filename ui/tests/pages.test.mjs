// The wizard's pages (Welcome, the 16 steps, Finish) in headless Chromium, its IPC answered by the
// scripted fake (tests/ipc-mock.ts): a screenshot of every page in automatic, step-by-step and
// presenter mode, an axe-core scan of each page with no violations, and what a first-time user and
// a screen reader meet. Screenshots go to ../artifacts/ui/. The Runs page: runs-page.test.mjs;
// controls that move once painted: layout-shift.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { useHarness, open, capture, shots, accessibilityTree } from "./harness.mjs";

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
