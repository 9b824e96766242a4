// Waiting pages in headless Chromium against the mock build (issue 19): a wait for Microsoft that
// lasts, with what it waits for, for how long, and "Stop and continue later"; the page after
// stopping; the run continued from there. Screenshots go to ../artifacts/ui/ (waiting-*.png), each
// page scanned with axe-core.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { useHarness, open as openApp, capture as scan, shots } from "./harness.mjs";

useHarness();

/** Welcome with the fake's options; a taller window, so a whole wait panel shows. */
const open = (fakeOptions = {}) => openApp({ fakeOptions, height: 900 });
/** Whole-page screenshots: the panels below the fold are what these tests are about. */
const capture = (page, name) => scan(page, name, { fullPage: true });

test("a long wait says what it waits for and for how long, and stops to continue later", async () => {
  const { page, errors } = await open({ slowSecret: true });
  await page.getByRole("button", { name: "Practice run" }).click();
  await page.getByRole("button", { name: "Yes, this is my PMPC company's tenant" }).click();

  const wait = page.getByTestId("long-wait");
  await wait.waitFor();
  const text = await wait.textContent();
  assert.match(text, /This is taking longer than usual/);
  assert.match(text, /Waiting for Microsoft's sign-in service to accept the new client secret\./);
  assert.match(text, /Waiting for 1 min 1\d s so far\./, "how long so far");
  assert.match(text, /may even call it "expired": that is normal/);
  assert.match(text, /continues right\s+here, at step 16/);
  await page.getByRole("heading", { level: 2, name: "Note the secret Value" }).waitFor();
  await capture(page, "waiting-01-long-wait");

  await page.getByRole("button", { name: "Stop and continue later" }).click();
  const stopped = page.getByTestId("stopped-here");
  await stopped.waitFor();
  assert.match(await stopped.textContent(), /picks up right here, at step 16\.\s+Nothing is done twice\./);
  assert.match(await page.getByTestId("step-status").textContent(), /Stopped here at your request/);
  assert.equal(await page.getByTestId("error-panel").count(), 0, "stopping is not an error");
  assert.ok((await page.evaluate(() => window.__FAKE__.calls)).includes("stopRun"));
  await capture(page, "waiting-02-stopped");

  await page.getByRole("button", { name: "Continue now" }).click();
  await page.getByRole("heading", { name: "Done: give these values to Patch My PC Cloud" }).waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test("the sign-in waiting page says from the start what to do when Microsoft's page shows an error", async () => {
  const { page, errors } = await open({ waitForBrowser: true });
  await page.getByRole("button", { name: "Sign in to Microsoft" }).click();
  const hint = page.getByTestId("sign-in-error-hint");
  await hint.waitFor();
  const text = await hint.textContent();
  assert.match(text, /If Microsoft's page shows an error, come back here and press Cancel\./);
  for (const code of ["AADSTS53003", "AADSTS90094", "AADSTS50105", "AADSTS50020"]) assert.ok(text.includes(code), code);
  // Cancel in plain view: inside the first screen, without scrolling.
  const cancel = page.getByRole("button", { name: "Cancel sign-in" });
  const box = await cancel.boundingBox();
  assert.ok(box && box.y + box.height <= 900, `Cancel at ${JSON.stringify(box)}`);
  // What Microsoft's page will ask, and the box to leave unticked.
  const advice = await page.getByTestId("consent-box-advice").textContent();
  assert.match(advice, /"Consent on behalf of your organization"/);
  assert.match(advice, /for\s+Microsoft Graph Command Line Tools for everyone in your organization/);
  assert.match(advice, /Leave the box unticked/);
  await capture(page, "waiting-03-sign-in");
  await cancel.click();
  await page.getByTestId("error-panel").waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test("before the first sign-in, and in practice, the Sign in page explains the permissions and the consent box", async () => {
  let { page, errors } = await open();
  await page.getByRole("button", { name: /^Step 1: / }).click();
  await page.getByRole("heading", { level: 2, name: "Sign in" }).waitFor();
  const note = page.getByTestId("consent-note");
  assert.match(await note.textContent(), /Application\.ReadWrite\.All[\s\S]*AppRoleAssignment\.ReadWrite\.All/);
  assert.match(await note.textContent(), /Leave the box unticked/);
  await capture(page, "waiting-04-before-sign-in");
  // The whole explanation, for a person to read (the page scrolls inside its main area).
  await note.screenshot({ path: join(shots, "waiting-04-consent-note.png") });
  assert.deepEqual(errors, []);
  await page.close();

  ({ page, errors } = await open({ waitForBrowser: true }));
  await page.getByRole("button", { name: "Practice run" }).click();
  await page.getByTestId("practice-sign-in").waitFor();
  const practice = await page.getByTestId("consent-note").textContent();
  assert.match(practice, /In a practice run no Microsoft page opens\. In a real run, this is what you will see/);
  assert.match(practice, /"Consent on behalf of your organization"/);
  await capture(page, "waiting-05-practice-consent");
  assert.deepEqual(errors, []);
  await page.close();
});

test("an account that needs an administrator's approval is told so plainly, with what to do", async () => {
  const remedy =
    "The wizard signs in through Microsoft Graph Command Line Tools, and in your tenant that app needs an administrator's approval before an account without an admin role can use it. Ask a Global Administrator to run the wizard (the permission PMPC needs must be granted by a Global or Privileged Role Administrator anyway), or to grant consent to Microsoft Graph Command Line Tools for your organization; or register your own sign-in app (see 'Using your own sign-in app' in the README) and enter its client ID under Options.";
  const { page, errors } = await open({
    signInError: {
      code: "adminConsentRequired",
      message: "the sign-in app needs an administrator's approval in this tenant: AADSTS90094: Microsoft Graph Command Line Tools needs permission to access resources in your organization that only an admin can grant.",
      remedy,
      requestId: null,
    },
  });
  await page.getByRole("button", { name: "Sign in to Microsoft" }).click();
  const panel = page.getByTestId("error-panel");
  await panel.waitFor();
  const text = await panel.textContent();
  assert.ok(text.includes(remedy));
  assert.doesNotMatch(text, /cancel/i, "not 'you cancelled'");
  await page.getByRole("button", { name: "Sign in again" }).waitFor();
  await page.getByRole("button", { name: "Start over" }).waitFor();
  await capture(page, "waiting-06-admin-approval");
  assert.deepEqual(errors, []);
  await page.close();
});
