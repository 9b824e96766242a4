import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import App from "./App.svelte";
import { APP_ID, OBJECT_ID, PLAN, SECRET, TENANT_ID, fakeBackend, journal, runStatus } from "./lib/backend/fake";
import type { ErrorInfo } from "./lib/bindings/ErrorInfo";
import { clientIdError, tenantError, tenantFromInput } from "./lib/options-check";

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
    await fireEvent.click(screen.getByRole("button", { name: "Show the client secret" }));
    await waitFor(() => expect(screen.getByTestId("secret-value").textContent).toBe(SECRET));
    await fireEvent.click(screen.getByRole("button", { name: "Hide the client secret" }));
    expect(screen.getByTestId("secret-value").textContent).not.toContain(SECRET);
  });

  it("hides a shown secret when presenter mode is switched on", async () => {
    await signIn();
    await fireEvent.click(screen.getByRole("button", { name: "Yes, this is my PMPC company's tenant" }));
    await screen.findByText("Done: give these values to Patch My PC Cloud");
    await fireEvent.click(screen.getByRole("button", { name: "Show the client secret" }));
    await waitFor(() => expect(screen.getByTestId("secret-value").textContent).toBe(SECRET));
    await fireEvent.click(screen.getByRole("checkbox", { name: "Presenter mode" }));
    await waitFor(() => expect(screen.getByTestId("secret-value").textContent).not.toContain(SECRET));
    expect(screen.getByRole("button", { name: "Hold to show the client secret" })).toBeTruthy();
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

  it("notes a finished step's result in the words its event carries (the core's), not words of its own", async () => {
    const backend = fakeBackend();
    const run = backend.run.bind(backend);
    backend.run = (choice, onEvent) =>
      run(choice, (e) => onEvent(e.type === "done" ? { ...e, summary: `What the core said of ${e.step}` } : e));
    await signIn(backend);
    await fireEvent.click(screen.getByRole("button", { name: "Yes, this is my PMPC company's tenant" }));
    await screen.findByText("Done: give these values to Patch My PC Cloud");
    for (const [page, step] of [[3, "createApp"], [9, "configurePermission"], [14, "createSecret"], [16, "verify"]] as const) {
      await fireEvent.click(screen.getByRole("button", { name: new RegExp(`^Step ${page}: `) }));
      expect(screen.getByTestId("step-status").textContent).toContain(`Done: What the core said of ${step}.`);
    }
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
          eligible: [],
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
    const earlier = runStatus(
      journal({
        tenantId: TENANT_ID,
        runId: "r1",
        app: { objectId: OBJECT_ID, appId: APP_ID, createdDateTime: "2026-11-28T09:00:00Z", reused: false },
        servicePrincipalId: "sp-1",
        assignmentId: "as-1",
        consentConfirmed: true,
        password: { keyId: "key-1", hint: "Xy7", endDateTime: "2026-12-05T09:00:00Z", stored: true },
        verifiedAt: "2026-11-28T09:01:00Z",
        updated: "2026-11-28T09:01:00Z",
      }),
      {
        secretInKeychain: true,
        complete: true,
        state: { kind: "verified" },
        doneSteps: ["signIn", "readTenant", "findExisting", "createApp", "configurePermission", "createServicePrincipal", "grantConsent", "confirmConsent", "createSecret", "storeSecret", "verify"],
      },
    );
    const backend = fakeBackend({ earlier });
    render(App, { backend });
    await screen.findByText("You already made one on this computer");
    expect(screen.getByTestId("countdown-compact").textContent).toMatch(/left|passed/);
    await fireEvent.click(screen.getByRole("button", { name: "See its values" }));
    expect(screen.getByTestId("value-Application (client) ID").textContent).toBe(APP_ID);
    expect(screen.getByTestId("verified").textContent).toContain("Checked");
    expect(screen.getAllByRole("button", { name: /^Step \d+: .*, done$/ })).toHaveLength(16);
    await fireEvent.click(screen.getByRole("button", { name: "Show the client secret" }));
    await waitFor(() => expect(screen.getByTestId("secret-value").textContent).toBe(SECRET));
    expect(backend.calls).not.toContain("signIn practice=false");
  });
});

describe("options for guests, several tenants and a blocked sign-in app", () => {
  const OWN_CLIENT = "0b5c5e52-6f0f-4a51-9d4e-1f2f3a4b5c6d";

  async function welcome(backend = fakeBackend()) {
    render(App, { backend });
    await screen.findAllByTestId("step-title");
    return backend;
  }

  async function type(label: RegExp, value: string) {
    const input = screen.getByLabelText(label) as HTMLInputElement;
    await fireEvent.input(input, { target: { value } });
    await fireEvent.change(input);
    return input;
  }

  it("checks the values the way the engine does", () => {
    expect(tenantError("")).toBeNull();
    expect(tenantError("contoso.com")).toBeNull();
    expect(tenantError(TENANT_ID)).toBeNull();
    for (const bad of ["contoso .com", "https://contoso.com", "contoso.com?x", "contoso#1", "ada@"]) {
      expect(tenantError(bad), bad).toMatch(/Enter a domain/);
    }
    expect(tenantFromInput("  ada@contoso.com ")).toBe("contoso.com");
    expect(tenantFromInput("contoso.onmicrosoft.com")).toBe("contoso.onmicrosoft.com");
    // A sign-in app of one's own is single-tenant: it needs its tenant (organizations gives AADSTS50194).
    expect(tenantError("", OWN_CLIENT)).toMatch(/works only in the tenant it was registered in/);
    expect(tenantError("contoso.com", OWN_CLIENT)).toBeNull();
    expect(clientIdError("")).toBeNull();
    expect(clientIdError(OWN_CLIENT)).toBeNull();
    expect(clientIdError(OWN_CLIENT.toUpperCase())).toBeNull();
    expect(clientIdError("PMPC Recovery")).toMatch(/looks like/);
    expect(clientIdError(OWN_CLIENT.slice(1))).toMatch(/looks like/);
  });

  it("shows what is wrong next to the field and does not sign in until it is fixed", async () => {
    const backend = await welcome();
    const tenant = await type(/^Tenant \(domain or ID\)/, "https://contoso.com");
    expect(screen.getByTestId("tenant-error").textContent).toMatch(/no spaces, and no \/ \? or #/);
    expect(tenant.getAttribute("aria-invalid")).toBe("true");
    expect(tenant.getAttribute("aria-describedby")).toContain("tenant-error");
    await fireEvent.input(screen.getByLabelText(/^Sign-in app \(client ID\)/), { target: { value: "my app" } });
    // Not left yet: no error while typing.
    expect(screen.queryByTestId("client-id-error")).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Sign in to Microsoft" }));
    expect(backend.calls).not.toContain("signIn practice=false");
    expect(screen.getByTestId("client-id-error").textContent).toContain("Application (client) ID");
    expect(screen.getByRole("button", { name: /^Options:/ }).getAttribute("aria-expanded")).toBe("true");
    expect(heading()).toBe("Create the PMPC Recovery app registration");

    await type(/^Tenant \(domain or ID\)/, "contoso.com");
    await type(/^Sign-in app \(client ID\)/, ` ${OWN_CLIENT} `);
    expect(screen.queryByTestId("tenant-error")).toBeNull();
    expect(screen.queryByTestId("client-id-error")).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Sign in to Microsoft" }));
    await screen.findByText("Is this the tenant of your PMPC company?");
    expect(backend.signIns.at(-1)).toMatchObject({ practice: false, tenant: "contoso.com", clientId: OWN_CLIENT });
  });

  it("takes the tenant from an email address and says so", async () => {
    const backend = await welcome();
    const tenant = await type(/^Tenant \(domain or ID\)/, "it-admin@contoso.com");
    expect(tenant.value).toBe("contoso.com");
    expect(screen.getByTestId("tenant-filled").textContent).toContain("contoso.com");
    await fireEvent.click(screen.getByRole("button", { name: "Sign in to Microsoft" }));
    await screen.findByText("Is this the tenant of your PMPC company?");
    expect(backend.signIns.at(-1)?.tenant).toBe("contoso.com");
    expect(backend.signIns.at(-1)).not.toHaveProperty("clientId");
  });

  it("sends neither when they are empty, nor for a practice run", async () => {
    const backend = await welcome();
    await fireEvent.click(screen.getByRole("button", { name: "Sign in to Microsoft" }));
    await screen.findByText("Is this the tenant of your PMPC company?");
    expect(backend.signIns[0]).toEqual({ practice: false, cloud: "global", method: "browser", stepByStep: false });
    cleanup();

    const practice = await welcome();
    await type(/^Tenant \(domain or ID\)/, "contoso.com");
    await type(/^Sign-in app \(client ID\)/, "not a guid");
    await fireEvent.click(screen.getByRole("button", { name: "Practice run" }));
    await screen.findByText("Is this the tenant of your PMPC company?");
    expect(practice.signIns[0]).not.toHaveProperty("tenant");
    expect(practice.signIns[0]).not.toHaveProperty("clientId");
  });

  it("goes back to Welcome with the tenant field in view when the tenant is not the right one", async () => {
    const backend = await welcome();
    await type(/^Tenant \(domain or ID\)/, "contoso.com");
    await fireEvent.click(screen.getByRole("button", { name: "Sign in to Microsoft" }));
    await screen.findByText("Is this the tenant of your PMPC company?");
    expect(screen.getByTestId("wrong-tenant-hint").textContent).toContain("under Options");
    await fireEvent.click(screen.getByRole("button", { name: "No, sign in with another account" }));
    expect(backend.calls).toContain("signOut");
    expect(screen.getByRole("button", { name: /^Options:/ }).getAttribute("aria-expanded")).toBe("true");
    expect((screen.getByLabelText(/^Tenant \(domain or ID\)/) as HTMLInputElement).value).toBe("contoso.com");
  });

  it("puts the tenant and sign-in app into the diagnostics report", async () => {
    const backend = await welcome(
      fakeBackend({ signInError: { code: "signInFailed", message: "AADSTS50020", remedy: "Sign in again.", requestId: null } }),
    );
    await type(/^Tenant \(domain or ID\)/, "contoso.com");
    await type(/^Sign-in app \(client ID\)/, OWN_CLIENT);
    await fireEvent.click(screen.getByRole("button", { name: "Sign in to Microsoft" }));
    await screen.findByTestId("error-panel");
    await fireEvent.click(screen.getByRole("button", { name: "Copy diagnostics" }));
    await waitFor(() => expect(backend.copied.length).toBe(1));
    expect(backend.copied[0]).toContain(`sign-in tenant: contoso.com; sign-in app: ${OWN_CLIENT}`);
  });
});

describe("the confirm-tenant page", () => {
  it("says when the account is a guest of the tenant", async () => {
    await signIn(fakeBackend({ guest: true }), false);
    expect(screen.getByTestId("guest-note").textContent?.replace(/\s+/g, " ").trim()).toBe(
      "You signed in as a guest of this tenant (an account from another organization). That is fine if this is your PMPC company's tenant.",
    );
    expect(screen.getByText("guest")).toBeTruthy();
  });

  it("says nothing about guests for a member of the tenant", async () => {
    await signIn();
    expect(screen.queryByTestId("guest-note")).toBeNull();
    expect(screen.queryByTestId("eligible-roles")).toBeNull();
  });

  it("shows roles the account may activate in PIM with the engine's explanation", async () => {
    const explanation =
      "Your account has no active admin role in this tenant. Granting admin consent (steps 11–12) needs a Global Administrator or a Privileged Role Administrator: sign in as one of them, or go on and send them the admin-consent link. You are eligible for Global Administrator through Privileged Identity Management, but it is not active: activate it (Microsoft Entra admin center > My roles), then start again.";
    await signIn(fakeBackend({ roles: { verdict: "noAdminRole", roles: [], eligible: ["Global Administrator"], explanation } }), false);
    expect(screen.getByTestId("active-roles").textContent).toBe("none active");
    expect(screen.getByTestId("eligible-roles").textContent).toContain("Global Administrator");
    expect(screen.getByTestId("role-check").textContent).toBe(explanation);
  });

  it("does not call unreadable roles 'none'", async () => {
    const explanation =
      "The wizard could not read your roles (Microsoft Graph returned them without their names). It goes on; if your account cannot grant consent, it will say so at that step.";
    await signIn(fakeBackend({ roles: { verdict: "unknown", roles: [], eligible: [], explanation } }));
    expect(screen.getByTestId("active-roles").textContent).toContain("could not be read");
    expect(screen.getByTestId("role-check").textContent).toContain("could not read your roles");
  });
});

describe("while waiting for the browser", () => {
  it("shows the sign-in address at once, in plain words", async () => {
    render(App, { backend: fakeBackend({ waitForBrowser: true }) });
    await screen.findAllByTestId("step-title");
    await fireEvent.click(screen.getByRole("button", { name: "Sign in to Microsoft" }));
    await screen.findByText("Your web browser has opened Microsoft's sign-in page.");
    // Not folded away: visible without a click.
    const fallback = screen.getByTestId("sign-in-fallback");
    expect(fallback.textContent).toBe("If your browser did not open, copy this address into it:");
    expect(fallback.closest("details")).toBeNull();
    expect(screen.getByTestId("value-Sign-in address").textContent).toContain("/authorize?");
    await fireEvent.click(screen.getByRole("button", { name: "Cancel sign-in" }));
  });
});

describe("the engine's newer error codes", () => {
  const error = (code: ErrorInfo["code"], remedy: string): ErrorInfo => ({ code, message: `Message for ${code}`, remedy, requestId: null });

  async function failSignIn(info: ErrorInfo) {
    render(App, { backend: fakeBackend({ signInError: info }) });
    await screen.findAllByTestId("step-title");
    await fireEvent.click(screen.getByRole("button", { name: "Sign in to Microsoft" }));
    const panel = await screen.findByTestId("error-panel");
    expect(panel.textContent).toContain(info.message);
    expect(panel.textContent).toContain(info.remedy);
    // The first row of buttons: what to do (the support section has its own).
    return [...(panel.querySelector(".actions")?.querySelectorAll("button") ?? [])].map((b) => b.textContent);
  }

  it("signInInterrupted: sign in again", async () => {
    const actions = await failSignIn(error("signInInterrupted", "Microsoft's answer to the sign-in was lost on the way."));
    expect(actions[0]).toBe("Sign in again");
  });

  it("certificateNotTrusted: try again once IT has fixed it, no portal", async () => {
    const actions = await failSignIn(error("certificateNotTrusted", "Ask your IT department to install your organization's root certificate."));
    expect(actions).toContain("Try again");
    expect(actions).not.toContain("Open the Azure portal page");
  });

  it("signInAppBlocked: start over lands on Options with the sign-in app field", async () => {
    const actions = await failSignIn(error("signInAppBlocked", "Register your own app for the wizard and enter its client ID under Options."));
    expect(actions).toEqual(["Start over"]);
    await fireEvent.click(screen.getByRole("button", { name: "Start over" }));
    expect(heading()).toBe("Create the PMPC Recovery app registration");
    expect(screen.getByRole("button", { name: /^Options:/ }).getAttribute("aria-expanded")).toBe("true");
    expect(screen.getByLabelText(/^Sign-in app \(client ID\)/)).toBeTruthy();
  });
});

describe("a sign-in app of one's own", () => {
  it("asks for the tenant it was registered in before signing in", async () => {
    const backend = fakeBackend();
    render(App, { backend });
    await screen.findAllByTestId("step-title");
    const clientId = screen.getByLabelText(/^Sign-in app \(client ID\)/);
    await fireEvent.input(clientId, { target: { value: "0b5c5e52-6f0f-4a51-9d4e-1f2f3a4b5c6d" } });
    await fireEvent.change(clientId);
    expect(screen.getByTestId("tenant-error").textContent).toContain("works only in the tenant it was registered in");
    await fireEvent.click(screen.getByRole("button", { name: "Sign in to Microsoft" }));
    expect(backend.signIns).toEqual([]);
    const tenant = screen.getByLabelText(/^Tenant \(domain or ID\)/);
    await fireEvent.input(tenant, { target: { value: TENANT_ID } });
    await fireEvent.change(tenant);
    expect(screen.queryByTestId("tenant-error")).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Sign in to Microsoft" }));
    await screen.findByText("Is this the tenant of your PMPC company?");
    expect(backend.signIns[0]).toMatchObject({ tenant: TENANT_ID, clientId: "0b5c5e52-6f0f-4a51-9d4e-1f2f3a4b5c6d" });
  });
});
