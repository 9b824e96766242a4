// The Runs page (issue 12): every run on this computer, what each button asks of the shell, and
// that deleting and forgetting ask first, naming the tenant.
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import App from "./App.svelte";
import { FABRIKAM_ID, SECRET, TENANT_ID, fakeBackend, type FakeOptions } from "./lib/backend/fake";

afterEach(cleanup);

const heading = () => screen.getByRole("heading", { level: 2 }).textContent;

async function openRuns(opts: FakeOptions = {}) {
  const backend = fakeBackend(opts);
  render(App, { backend });
  await screen.findAllByTestId("step-title");
  await fireEvent.click(screen.getByRole("button", { name: "Your runs on this computer" }));
  await screen.findByRole("heading", { level: 2, name: "Your runs on this computer" });
  if (!opts.runs || opts.runs.length > 0) await screen.findAllByTestId("run");
  return backend;
}

/** The card of the run whose tenant heading is `name`. */
function card(name: string): HTMLElement {
  const li = screen.getAllByTestId("run").find((c) => within(c).getByTestId("run-tenant").textContent === name);
  if (!li) throw new Error(`no run for ${name}`);
  return li;
}

describe("the Runs page", () => {
  it("lists every run newest first with tenant, IDs, state in words and a countdown, and goes back", async () => {
    const backend = await openRuns();
    expect(backend.calls).toContain("runs");
    const tenants = screen.getAllByTestId("run-tenant").map((h) => h.textContent);
    expect(tenants).toEqual(["Contoso", "Fabrikam"]);
    const contoso = card("Contoso");
    expect(contoso.textContent).toContain("contoso.onmicrosoft.com");
    expect(within(contoso).getByTestId("value-Directory (tenant) ID").textContent).toBe(TENANT_ID);
    expect(within(contoso).getByTestId("value-Application (client) ID").textContent).toMatch(/^[0-9a-f-]{36}$/);
    expect(within(contoso).getByTestId("value-Object ID").textContent).toMatch(/^[0-9a-f-]{36}$/);
    expect(within(contoso).getByTestId("run-state").textContent).toContain("Ready");
    expect(contoso.textContent).toMatch(/Started \w{3}, /);
    // A timer (not announced as it ticks), to the second.
    const timer = within(contoso).getByRole("timer");
    expect(timer.textContent).toMatch(/PMPC deadline: 2 d \d+ h \d+ min \d+ s left/);
    const fabrikam = card("Fabrikam");
    expect(within(fabrikam).getByTestId("run-state").textContent).toContain("Failed at step 13");
    expect(fabrikam.textContent).toContain("Certificates & secrets");
    expect(fabrikam.textContent).toContain("secretPolicyBlocked");
    // What to do, in the core's words, beside the code.
    expect(within(fabrikam).getByTestId("run-remedy").textContent).toContain("does not allow client secrets");
    expect(within(fabrikam).getByTestId("run-expired").textContent).toBe("Past the deadline");
    expect(within(fabrikam).getByRole("timer").textContent).toContain("passed");
    // Only Contoso's secret is in the keychain; an expired run is not continued.
    expect(within(fabrikam).queryByTestId("secret-value")).toBeNull();
    expect(within(fabrikam).queryByRole("button", { name: /^Continue/ })).toBeNull();
    expect(within(contoso).queryByRole("button", { name: /^Continue/ })).toBeNull();

    await fireEvent.click(screen.getByRole("button", { name: "Back to the start" }));
    expect(heading()).toBe("Create the PMPC Recovery app registration");
  });

  it("reveals, copies and saves the receipt of the chosen run, every button naming its tenant", async () => {
    const backend = await openRuns();
    const contoso = card("Contoso");
    await fireEvent.click(within(contoso).getByRole("button", { name: "Show the client secret of Contoso" }));
    await waitFor(() => expect(within(contoso).getByTestId("secret-value").textContent).toBe(SECRET));
    expect(backend.calls).toContain(`revealRunSecret ${TENANT_ID}`);
    await fireEvent.click(within(contoso).getByRole("button", { name: "Hide the client secret of Contoso" }));
    expect(within(contoso).getByTestId("secret-value").textContent).not.toContain(SECRET);

    await fireEvent.click(within(contoso).getByRole("button", { name: "Copy client secret value of Contoso" }));
    await waitFor(() => expect(backend.calls).toContain(`copyRunSecret ${TENANT_ID} withIds=false`));
    await fireEvent.click(within(contoso).getByRole("button", { name: "Copy all four values of Contoso as a labelled block" }));
    await waitFor(() => expect(backend.calls).toContain(`copyRunSecret ${TENANT_ID} withIds=true`));
    await fireEvent.click(within(contoso).getByRole("button", { name: "Copy Application (client) ID of Contoso" }));
    expect(backend.copied).toHaveLength(1);

    const fabrikam = card("Fabrikam");
    await fireEvent.click(within(fabrikam).getByRole("button", { name: "Save receipt of the run for Fabrikam" }));
    await waitFor(() => expect(within(fabrikam).getByTestId("run-status").textContent).toContain("PMPC Recovery receipt - Fabrikam"));
    expect(backend.calls).toContain(`saveRunReceipt ${FABRIKAM_ID}`);
  });

  it("deletes an app registration only after a confirmation that names the tenant", async () => {
    const backend = await openRuns();
    const contoso = card("Contoso");
    await fireEvent.click(within(contoso).getByRole("button", { name: "Delete app registration from Contoso" }));
    const confirm = within(contoso).getByTestId("confirm-delete");
    expect(confirm.textContent).toContain('Delete the app registration "PMPC Recovery" from Contoso (contoso.onmicrosoft.com)?');
    expect(document.activeElement).toBe(confirm);
    await fireEvent.click(within(confirm).getByRole("button", { name: "Cancel" }));
    expect(backend.calls.some((c) => c.startsWith("deleteRun"))).toBe(false);
    expect(document.activeElement?.getAttribute("aria-label")).toBe("Delete app registration from Contoso");

    await fireEvent.click(within(contoso).getByRole("button", { name: "Delete app registration from Contoso" }));
    await fireEvent.click(within(contoso).getByRole("checkbox", { name: /recycle bin/ }));
    await fireEvent.click(within(contoso).getByRole("button", { name: "Yes, delete it from Contoso" }));
    await waitFor(() => expect(within(card("Contoso")).getByTestId("run-state").textContent).toContain("Deleted"));
    expect(backend.calls).toContain(`deleteRun ${TENANT_ID} purge=true`);
    // The sign-in is the user's (browser, real tenant); the shell pins it to the run's tenant.
    expect(backend.signIns.at(-1)).toMatchObject({ practice: false, method: "browser", stepByStep: false });
    await waitFor(() => expect(within(card("Contoso")).getByTestId("run-status").textContent).toContain('Deleted "PMPC Recovery" from Contoso'));
    // Nothing left to delete or reveal.
    expect(within(card("Contoso")).queryByRole("button", { name: /^Delete/ })).toBeNull();
    expect(within(card("Contoso")).queryByTestId("secret-value")).toBeNull();
  });

  it("shows the sign-in of a deletion, which can be cancelled, and says nothing was deleted", async () => {
    const backend = await openRuns({ deleteWaitsForBrowser: true });
    const fabrikam = card("Fabrikam");
    await fireEvent.click(within(fabrikam).getByRole("button", { name: "Delete app registration from Fabrikam" }));
    await fireEvent.click(within(fabrikam).getByRole("button", { name: "Yes, delete it from Fabrikam" }));
    const work = await within(fabrikam).findByTestId("run-work");
    expect(work.textContent).toContain("Sign in to Fabrikam in your web browser");
    expect(work.textContent).toContain("Fabrikam (fabrikam.onmicrosoft.com)");
    await waitFor(() => expect(within(fabrikam).getByTestId("value-Sign-in address").textContent).toContain(`/${FABRIKAM_ID}/oauth2`));
    await fireEvent.click(within(fabrikam).getByRole("button", { name: "Cancel sign-in to Fabrikam" }));
    const error = await within(card("Fabrikam")).findByTestId("run-error");
    expect(error.textContent).toContain("Nothing was deleted from Fabrikam: the sign-in was cancelled.");
    expect(backend.calls).toContain("cancelSignIn");
    expect(within(card("Fabrikam")).getByTestId("run-state").textContent).toContain("Failed at step 13");
  });

  it("forgets a run only after asking; its app registration stays", async () => {
    const backend = await openRuns();
    const contoso = card("Contoso");
    await fireEvent.click(within(contoso).getByRole("button", { name: "Forget the run for Contoso" }));
    const confirm = within(contoso).getByTestId("confirm-forget");
    expect(confirm.textContent).toContain("Forget the run for Contoso (contoso.onmicrosoft.com) on this computer?");
    expect(confirm.textContent).toContain("The app registration stays in Contoso");
    expect(backend.calls.some((c) => c.startsWith("forgetRun"))).toBe(false);
    await fireEvent.click(within(confirm).getByRole("button", { name: "Yes, forget the run for Contoso" }));
    await waitFor(() => expect(screen.getAllByTestId("run-tenant").map((h) => h.textContent)).toEqual(["Fabrikam"]));
    expect(backend.calls).toContain(`forgetRun ${TENANT_ID}`);
    expect(screen.getByTestId("live-region").textContent).toContain("Forgot the run for Contoso");
  });

  it("marks expired runs and offers to clean them up after one confirmation listing the tenants", async () => {
    const backend = await openRuns({ manyRuns: true });
    const offer = screen.getByTestId("expired-runs");
    expect(offer.textContent).toContain("1 run is past the 72-hour deadline");
    await fireEvent.click(within(offer).getByRole("button", { name: "Clean up expired runs" }));
    const confirm = within(offer).getByTestId("confirm-expired");
    expect(within(confirm).getAllByRole("listitem").map((l) => l.textContent)).toEqual(["Fabrikam (fabrikam.onmicrosoft.com)"]);
    await fireEvent.click(within(confirm).getByRole("button", { name: "Yes, delete it" }));
    await waitFor(() => expect(screen.getByTestId("expired-runs").textContent).toContain("The expired runs are cleaned up."));
    expect(backend.calls.filter((c) => c.startsWith("deleteRun"))).toEqual([`deleteRun ${FABRIKAM_ID} purge=false`]);
    expect(within(card("Fabrikam")).getByTestId("run-state").textContent).toContain("Deleted");
  });

  it("says where each run stands in words, never by colour alone", async () => {
    await openRuns({ manyRuns: true });
    const states = screen.getAllByTestId("run").map((c) => [within(c).getByTestId("run-tenant").textContent, within(c).getByTestId("run-state").textContent?.trim()]);
    expect(states).toEqual([
      ["Contoso", "✓ Ready"],
      ["Northwind Traders", "• Waiting for consent"],
      ["Fabrikam", "! Failed at step 13"],
      ["Tailspin Toys", "• Deleted"],
    ]);
    expect(card("Northwind Traders").textContent).toContain("your label: Northwind (main office)");
    // A cleaned-up run keeps its receipt and can be forgotten, nothing else.
    const tailspin = card("Tailspin Toys");
    expect(within(tailspin).getAllByRole("button").map((b) => b.textContent)).toEqual(["Copy", "Copy", "Copy", "Save receipt", "Forget"]);
    expect(within(tailspin).queryByRole("timer")).toBeNull();
  });

  it("continues a stopped run with a sign-in pinned to its tenant, and goes on with its own app", async () => {
    const backend = await openRuns({ manyRuns: true });
    const northwind = card("Northwind Traders");
    await fireEvent.click(within(northwind).getByRole("button", { name: "Continue the run for Northwind Traders" }));
    await screen.findByText("Is this the tenant of your PMPC company?");
    const northwindId = "4f1d2c3b-0a9e-4d8c-b7a6-5e4f3d2c1b0a";
    expect(backend.signIns.at(-1)).toMatchObject({ practice: false, tenant: northwindId });
    expect(screen.getByText("Northwind Traders")).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Yes, this is my PMPC company's tenant" }));
    await screen.findByText("Done: give these values to Patch My PC Cloud");
    // No "use an existing app?" question: the run's own app, by its object ID.
    expect(backend.calls).toContain('run {"app":{"kind":"reuse","objectId":"c3d4e5f6-0a1b-4c2d-8e3f-a4b5c6d7e8f9"},"consent":"stop","revealSecret":false}');
    expect(screen.getByTestId("value-Directory (tenant) ID").textContent).toBe(northwindId);
  });

  it("has an empty state that says what will show up", async () => {
    await openRuns({ runs: [] });
    const empty = screen.getByTestId("runs-empty");
    expect(empty.textContent).toContain("No runs on this computer yet");
    await fireEvent.click(within(empty).getByRole("button", { name: "Back to the start" }));
    expect(heading()).toBe("Create the PMPC Recovery app registration");
  });
});

describe("Finish", () => {
  async function finish(backend = fakeBackend()) {
    render(App, { backend });
    await screen.findAllByTestId("step-title");
    await fireEvent.click(screen.getByLabelText(/Presenter mode: larger text/));
    await fireEvent.click(screen.getByLabelText("Tenant (domain or ID)"));
    await fireEvent.input(screen.getByLabelText("Tenant (domain or ID)"), { target: { value: "contoso.com" } });
    await fireEvent.click(screen.getByRole("button", { name: "Sign in to Microsoft" }));
    await fireEvent.click(await screen.findByRole("button", { name: "Yes, this is my PMPC company's tenant" }));
    await screen.findByText("Done: give these values to Patch My PC Cloud");
    return backend;
  }

  it("offers the runs, and comes back to Finish from there", async () => {
    await finish();
    const next = screen.getByTestId("finish-next");
    await fireEvent.click(within(next).getByRole("button", { name: "Your runs on this computer" }));
    await screen.findByRole("heading", { level: 2, name: "Your runs on this computer" });
    await fireEvent.click(screen.getByRole("button", { name: "Back to Finish" }));
    expect(heading()).toBe("Done: give these values to Patch My PC Cloud");
  });

  it("recovers another tenant: signs out, back to the start with the same options but not this tenant", async () => {
    const backend = await finish();
    await fireEvent.click(screen.getByRole("button", { name: "Recover another tenant" }));
    await waitFor(() => expect(heading()).toBe("Create the PMPC Recovery app registration"));
    expect(backend.calls).toContain("signOut");
    expect(screen.getByTestId("next-tenant").textContent).toContain("Contoso's values stay");
    expect((screen.getByLabelText("Tenant (domain or ID)") as HTMLInputElement).value).toBe("");
    expect((screen.getByLabelText(/Presenter mode: larger text/) as HTMLInputElement).checked).toBe(true);
    expect(screen.queryByTestId("countdown-compact")).toBeNull();
    expect(screen.getAllByRole("button", { name: /^Step \d+: .*, not started$/ })).toHaveLength(16);
    // The next sign-in goes to the account's own tenant.
    await fireEvent.click(screen.getByRole("button", { name: "Sign in to Microsoft" }));
    await screen.findByText("Is this the tenant of your PMPC company?");
    expect(backend.signIns.at(-1)?.tenant).toBeUndefined();
    expect(screen.queryByTestId("next-tenant")).toBeNull();
  });
});
