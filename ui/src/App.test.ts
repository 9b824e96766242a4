import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import App from "./App.svelte";
import type { Journal } from "./lib/bindings/Journal";
import { APP_ID, OBJECT_ID, PLAN, SECRET, TENANT_ID, fakeBackend } from "./lib/backend/fake";

const title = (n: number) => PLAN.steps[n - 1].title;

afterEach(cleanup);

const heading = () => screen.getByRole("heading", { level: 2 }).textContent;

async function signIn(backend = fakeBackend(), practice = true) {
  render(App, { backend });
  await screen.findAllByTestId("step-title");
  await fireEvent.click(screen.getByRole("button", { name: practice ? "Practice run" : "Sign in to Microsoft" }));
  await screen.findByText("Is this the tenant of your PMPC company?");
  return backend;
}

describe("the wizard", () => {
  it("lists the 16 steps the backend serves and opens on the welcome page", async () => {
    render(App, { backend: fakeBackend() });
    const titles = await screen.findAllByTestId("step-title");
    expect(titles.map((t) => t.textContent)).toEqual(PLAN.steps.map((s) => s.title));
    expect(heading()).toBe("Create the PMPC Recovery app registration");
  });

  it("shows the account, tenant name and tenant ID and asks to confirm the tenant", async () => {
    const backend = await signIn();
    expect(backend.calls).toContain("signIn practice=true");
    expect(screen.getByText("admin@contoso.onmicrosoft.com")).toBeTruthy();
    expect(screen.getByText("Contoso")).toBeTruthy();
    expect(screen.getByText(TENANT_ID)).toBeTruthy();
    expect(screen.getByTestId("practice-badge").textContent).toContain("Practice run");
  });

  it("runs automatically to the finish page with the four values and the countdown", async () => {
    const backend = await signIn();
    await fireEvent.click(screen.getByRole("button", { name: "Yes, this is my PMPC company's tenant" }));
    await screen.findByText("Done: give these values to Patch My PC Cloud");
    expect(screen.getByTestId("value-Application (client) ID").textContent).toBe(APP_ID);
    expect(screen.getByTestId("value-Object ID").textContent).toBe(OBJECT_ID);
    expect(screen.getByTestId("value-Directory (tenant) ID").textContent).toBe(TENANT_ID);
    expect(screen.getByTestId("verified").textContent).toContain("Checked");
    expect(screen.getByTestId("countdown").textContent).toMatch(/left|passed/);
    // The secret stays masked and is fetched only when asked for.
    expect(screen.getByTestId("secret-value").textContent).not.toContain(SECRET);
    expect(backend.calls).not.toContain("revealSecret");
    await fireEvent.click(screen.getByRole("button", { name: "Show" }));
    await waitFor(() => expect(screen.getByTestId("secret-value").textContent).toBe(SECRET));
    await fireEvent.click(screen.getByRole("button", { name: "Hide" }));
    expect(screen.getByTestId("secret-value").textContent).not.toContain(SECRET);
  });

  it("hides a shown secret when presenter mode is switched on", async () => {
    await signIn();
    await fireEvent.click(screen.getByRole("button", { name: "Yes, this is my PMPC company's tenant" }));
    await screen.findByText("Done: give these values to Patch My PC Cloud");
    await fireEvent.click(screen.getByRole("button", { name: "Show" }));
    await waitFor(() => expect(screen.getByTestId("secret-value").textContent).toBe(SECRET));
    await fireEvent.click(screen.getByRole("checkbox", { name: "Presenter mode" }));
    await waitFor(() => expect(screen.getByTestId("secret-value").textContent).not.toContain(SECRET));
    expect(screen.getByRole("button", { name: "Hold to show" })).toBeTruthy();
  });

  it("copies an ID and confirms it visibly", async () => {
    const backend = await signIn();
    await fireEvent.click(screen.getByRole("button", { name: "Yes, this is my PMPC company's tenant" }));
    await screen.findByText("Done: give these values to Patch My PC Cloud");
    await fireEvent.click(screen.getByRole("button", { name: "Copy Application (client) ID" }));
    expect(backend.copied).toEqual([APP_ID]);
    await screen.findByText("Copied");
    await fireEvent.click(screen.getByRole("button", { name: "Copy all four values as a labelled block" }));
    expect(backend.calls).toContain("copySecret withIds=true");
    await screen.findByText(/cleared in 30 seconds/);
  });

  it("waits for Next on each step in step-by-step mode", async () => {
    const backend = fakeBackend();
    render(App, { backend });
    await screen.findAllByTestId("step-title");
    await fireEvent.click(screen.getByLabelText(/One at a time/));
    await fireEvent.click(screen.getByRole("button", { name: "Practice run" }));
    await fireEvent.click(await screen.findByRole("button", { name: "Yes, this is my PMPC company's tenant" }));
    await screen.findByRole("button", { name: /^Next: / });
    expect(heading()).toBe(title(2));
    await fireEvent.click(screen.getByRole("button", { name: /^Next: / }));
    expect(backend.proceedCount).toBe(1);
    await waitFor(() => expect(heading()).toBe(title(3)));
  });

  it("stops before creating anything for an Application Administrator unless told to hand off consent", async () => {
    const backend = await signIn(
      fakeBackend({
        roles: {
          verdict: "cannotGrantConsent",
          roles: ["Application Administrator"],
          explanation: "You are an Application Administrator: a Global Administrator must grant the permission.",
        },
      }),
    );
    expect(screen.getByTestId("role-check").textContent).toContain("Application Administrator");
    await fireEvent.click(screen.getByRole("button", { name: "Yes, continue; an administrator will grant the permission" }));
    await waitFor(() => expect(backend.calls.some((c) => c.includes('"consent":"handOff"'))).toBe(true));
    await screen.findByText("Almost done: an administrator must grant the permission");
    // The consent link for the Global Administrator is on step 11.
    await fireEvent.click(screen.getByRole("button", { name: new RegExp(`^Step 11: `) }));
    expect(screen.getByTestId("value-Admin consent link").textContent).toContain("/adminconsent?client_id=");
    // Once they have granted it, running again finishes the job.
    await fireEvent.click(screen.getByRole("button", { name: "Finish" }));
    await fireEvent.click(screen.getByRole("button", { name: "They have granted it: check again" }));
    await screen.findByText("Done: give these values to Patch My PC Cloud");
    expect(screen.getByTestId("verified").textContent).toContain("Checked");
  });

  it("explains a failure with the next action and keeps the request ID behind Details", async () => {
    const backend = await signIn(
      fakeBackend({
        failAt: {
          step: "grantConsent",
          error: {
            code: "consentRequiresPrivilegedRole",
            message: "Microsoft Graph refused to grant the permission (403 Authorization_RequestDenied).",
            remedy: "Granting needs a Global Administrator or a Privileged Role Administrator.",
            requestId: "req-42",
          },
        },
      }),
    );
    await fireEvent.click(screen.getByRole("button", { name: "Yes, this is my PMPC company's tenant" }));
    const panel = await screen.findByTestId("error-panel");
    expect(heading()).toBe(title(11));
    expect(panel.textContent).toContain("Global Administrator");
    expect(panel.textContent).toContain("req-42");
    expect(screen.getByRole("button", { name: "Continue and ask an administrator to grant consent" })).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Copy diagnostics" }));
    await waitFor(() => expect(backend.copied.length).toBe(1));
    const report = backend.copied[0];
    expect(report).toContain("consentRequiresPrivilegedRole");
    expect(report).toMatch(/request ids: .*req-42/);
    // The app's side: version, OS, cloud and the log's last lines.
    expect(report).toContain("app version: 0.1.0; os: linux x86_64");
    expect(report).toContain("cloud: global");
    expect(report).toContain("PMPC Recovery Wizard started");
    expect(report).not.toContain(SECRET);
    await screen.findByText("Copied (no secrets included)");
    await fireEvent.click(screen.getByRole("button", { name: "Open log folder" }));
    await waitFor(() => expect(backend.calls).toContain("openLogFolder"));
  });

  it("says another window or the CLI holds the tenant, and offers only to try again", async () => {
    await signIn(
      fakeBackend({
        failAt: {
          step: "createApp",
          error: {
            code: "runInProgress",
            message: "another PMPC Recovery window or the command-line tool is already working on tenant t",
            remedy: "Another PMPC Recovery window or the command-line tool (pmpc-recovery-cli) is already working on this tenant. Finish or close it first, then try again: the wizard picks up where it stopped.",
            requestId: null,
          },
        },
      }),
    );
    await fireEvent.click(screen.getByRole("button", { name: "Yes, this is my PMPC company's tenant" }));
    const panel = await screen.findByTestId("error-panel");
    expect(panel.textContent).toContain("Finish or close it first");
    const actions = [...panel.querySelectorAll(".actions button")].map((b) => b.textContent);
    expect(actions[0]).toBe("Try again");
    expect(actions).not.toContain("Open the Azure portal page");
  });

  it("tells the user what to do when sign-in is cancelled", async () => {
    render(App, {
      backend: fakeBackend({
        signInError: { code: "signInCancelled", message: "You closed the sign-in page.", remedy: "Start again and finish signing in.", requestId: null },
      }),
    });
    await screen.findAllByTestId("step-title");
    await fireEvent.click(screen.getByRole("button", { name: "Sign in to Microsoft" }));
    const panel = await screen.findByTestId("error-panel");
    expect(panel.textContent).toContain("Start again and finish signing in.");
    expect(screen.getByRole("button", { name: "Sign in again" })).toBeTruthy();
  });

  it("lets the user cancel a sign-in that waits for the browser", async () => {
    const backend = fakeBackend({ waitForBrowser: true });
    render(App, { backend });
    await screen.findAllByTestId("step-title");
    await fireEvent.click(screen.getByRole("button", { name: "Sign in to Microsoft" }));
    await screen.findByText("Your web browser has opened Microsoft's sign-in page.");
    await fireEvent.click(screen.getByRole("button", { name: "Cancel sign-in" }));
    const panel = await screen.findByTestId("error-panel");
    expect(backend.calls).toContain("cancelSignIn");
    expect(panel.textContent).toContain("Sign-in was cancelled");
    expect(screen.getByRole("button", { name: "Sign in again" })).toBeTruthy();
  });

  it("deletes the app registration after confirmation", async () => {
    const backend = await signIn();
    await fireEvent.click(screen.getByRole("button", { name: "Yes, this is my PMPC company's tenant" }));
    await screen.findByText("Done: give these values to Patch My PC Cloud");
    await fireEvent.click(screen.getByRole("button", { name: "Delete this app registration" }));
    await fireEvent.click(screen.getByRole("button", { name: "Yes, delete it" }));
    await screen.findByText("The app registration is deleted");
    expect(backend.calls).toContain("cleanup purge=false");
  });
});

describe("after closing and reopening", () => {
  it("shows the earlier run's values, progress and countdown without signing in", async () => {
    const journal: Journal = {
      version: 1,
      tenantId: TENANT_ID,
      runId: "r1",
      appName: "PMPC Recovery",
      uniqueName: "pmpc-recovery-r1",
      app: { objectId: OBJECT_ID, appId: APP_ID, createdDateTime: "2026-11-28T09:00:00Z", reused: false },
      graphServicePrincipalId: "graph-sp",
      appRoleId: "b0afded3-3588-46d8-8b3d-9842eff778da",
      servicePrincipalId: "sp-1",
      assignmentId: "as-1",
      consentHandedOff: false,
      consentRedirectRegistered: false,
      consentConfirmed: true,
      passwordPendingSince: null,
      password: { keyId: "key-1", hint: "Xy7", endDateTime: "2026-12-05T09:00:00Z", stored: true },
      verifiedAt: "2026-11-28T09:01:00Z",
      updated: "2026-11-28T09:01:00Z",
    };
    const backend = fakeBackend({ earlier: { journal, deadline: "2026-12-01T09:00:00Z", secretInKeychain: true, complete: true } });
    render(App, { backend });
    await screen.findByText("You already made one on this computer");
    expect(screen.getByTestId("countdown-compact").textContent).toMatch(/left|passed/);
    await fireEvent.click(screen.getByRole("button", { name: "See its values" }));
    expect(screen.getByTestId("value-Application (client) ID").textContent).toBe(APP_ID);
    expect(screen.getByTestId("verified").textContent).toContain("Checked");
    expect(screen.getAllByRole("button", { name: /^Step \d+: .*, done$/ })).toHaveLength(16);
    await fireEvent.click(screen.getByRole("button", { name: "Show" }));
    await waitFor(() => expect(screen.getByTestId("secret-value").textContent).toBe(SECRET));
    expect(backend.calls).not.toContain("signIn practice=false");
  });
});
