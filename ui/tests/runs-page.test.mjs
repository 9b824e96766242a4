// The Runs page in headless Chromium against the mock build (issues 12 and 22): every run on this
// computer with its tenant, IDs, countdown and actions; as a screen reader meets it; deleting and
// cleaning up; every state a run can be in; and many runs at 1200×800. Screenshots go to
// ../artifacts/ui/ (runs-*.png), each page scanned with axe-core.
import { test } from "node:test";
import assert from "node:assert/strict";
import { useHarness, open, capture, accessibilityTree } from "./harness.mjs";

useHarness();

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
