// What a first-time user meets (issue 13): texts true in a practice run, a question never hidden
// behind Next, focus that starts in the page, and what a screen reader hears.
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import App from "./App.svelte";
import { PLAN, fakeBackend } from "./lib/backend/fake";
import { Wizard } from "./lib/wizard.svelte";

afterEach(cleanup);

const live = () => screen.getByTestId("live-region").textContent ?? "";
const BROWSER_CLAIMS = /browser has opened|in your web browser|browser did not open|Opens your web browser|Cancel sign-in/i;

async function welcome(backend = fakeBackend()) {
  render(App, { backend });
  await screen.findAllByTestId("step-title");
  return backend;
}

describe("a practice run", () => {
  it("never says a browser opened or waits for one", async () => {
    await welcome(fakeBackend({ waitForBrowser: true }));
    await fireEvent.click(screen.getByRole("button", { name: "Practice run" }));
    await screen.findByTestId("practice-sign-in");
    const main = document.querySelector("main")!;
    expect(main.textContent).not.toMatch(BROWSER_CLAIMS);
    expect(screen.getByTestId("step-status").textContent).toContain("Signing in to the practice tenant");
    expect(screen.getByTestId("step-does").textContent).toContain("no browser opens");
    expect(live()).not.toMatch(BROWSER_CLAIMS);
  });

  it("a real sign-in still says where to sign in", async () => {
    await welcome(fakeBackend({ waitForBrowser: true }));
    await fireEvent.click(screen.getByRole("button", { name: "Sign in to Microsoft" }));
    await screen.findByText("Your web browser has opened Microsoft's sign-in page.");
    expect(screen.getByTestId("step-does").textContent).toBe(PLAN.steps[0].wizard);
  });
});

describe("a question the run waits for", () => {
  it("offers no Next on its page, and every other page points back to it", async () => {
    await welcome();
    await fireEvent.click(screen.getByRole("button", { name: "Practice run" }));
    await screen.findByText("Is this the tenant of your PMPC company?");
    expect(screen.queryByRole("button", { name: "Next" })).toBeNull();
    expect(screen.getByTestId("answer-here").textContent).toContain("answered above");
    await fireEvent.click(screen.getByRole("button", { name: /^Step 4: / }));
    expect(screen.getByTestId("answer-needed").textContent).toMatch(/Your answer is needed on step 1\..*Is this the tenant of your PMPC company\?/);
    expect(screen.getByRole("button", { name: "Step 1: Sign in, waiting for your answer" })).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Go to step 1" }));
    await screen.findByText("Is this the tenant of your PMPC company?");
    expect(screen.queryByTestId("answer-needed")).toBeNull();
  });

  it("comes to the front when it is asked, even if the user went on with Next", async () => {
    let signedIn: () => void = () => {};
    const backend = fakeBackend();
    const signIn = backend.signIn.bind(backend);
    backend.signIn = async (options, onEvent) => {
      await new Promise<void>((resolve) => (signedIn = resolve));
      return signIn(options, onEvent);
    };
    await welcome(backend);
    await fireEvent.click(screen.getByRole("button", { name: "Practice run" }));
    await fireEvent.click(await screen.findByRole("button", { name: "Next" }));
    expect(screen.getByRole("heading", { level: 2 }).textContent).toBe(PLAN.steps[1].title);
    signedIn();
    await screen.findByText("Is this the tenant of your PMPC company?");
    expect(screen.getByRole("heading", { level: 2 }).textContent).toBe(PLAN.steps[0].title);
  });

  it("also when it is the choice of an existing app", async () => {
    await welcome(
      fakeBackend({ existing: [{ objectId: "o-1", appId: "a-1", displayName: "PMPC Recovery", createdDateTime: "2026-10-02T08:15:00Z" }] }),
    );
    await fireEvent.click(screen.getByRole("button", { name: "Practice run" }));
    await fireEvent.click(await screen.findByRole("button", { name: "Yes, this is my PMPC company's tenant" }));
    await screen.findByRole("button", { name: "Use this one" });
    expect(live()).toContain('Your answer is needed on step 2: Use an existing "PMPC Recovery" app, or create a new one?');
    await fireEvent.click(screen.getByRole("button", { name: "Start" }));
    expect(screen.getByTestId("answer-needed").textContent).toContain("step 2");
  });
});

describe("the keyboard", () => {
  it("starts on the page's heading, with the first button next and the step list before it", async () => {
    await welcome();
    await waitFor(() => expect(document.activeElement?.textContent).toBe("Create the PMPC Recovery app registration"));
    const tabbable = [...document.querySelectorAll<HTMLElement>("a[href], button:not([disabled]), input, select, summary")];
    const heading = document.activeElement!;
    const after = tabbable.filter((el) => heading.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
    const before = tabbable.filter((el) => heading.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING);
    expect(after.slice(0, 2).map((b) => b.textContent)).toEqual(["Sign in to Microsoft", "Practice run"]);
    expect(before.at(-1)?.textContent).toBe("Finish");
    expect(tabbable[0].textContent).toBe("Skip to the page");
  });

  it("the skip link moves the focus to the page", async () => {
    await welcome();
    (document.activeElement as HTMLElement).blur();
    await fireEvent.click(screen.getByRole("link", { name: "Skip to the page" }));
    expect(document.activeElement?.textContent).toBe("Create the PMPC Recovery app registration");
  });
});

describe("a screen reader", () => {
  it("hears step changes, done, waiting, the question, and the end", async () => {
    // The wizard's own words, one by one (the DOM batches updates that arrive in the same tick).
    const wizard = new Wizard(fakeBackend());
    const heard: string[] = [];
    const say = wizard.announcer.say.bind(wizard.announcer);
    wizard.announcer.say = (text: string) => {
      heard.push(text);
      say(text);
    };
    await wizard.flow.load();
    await wizard.flow.start(true);
    expect(heard).toEqual([
      "Practice run started: signing in to the practice tenant.",
      "Step 1, Sign in: in progress.",
      "Step 1 done.",
      "Signed in. Your answer is needed on step 1: Is this the tenant of your PMPC company?",
    ]);
    await wizard.flow.confirmTenant(true);
    expect(heard).toContain("Steps 3 to 4, Name and register: in progress.");
    expect(heard).toContain("Steps 3 to 4 done.");
    expect(heard).toContain("Step 11: waiting. Waiting for Microsoft to finish creating the app; the wizard tries again by itself.");
    expect(heard.at(-1)).toMatch(/^Done: all steps finished\. The four values are on the Finish page\. You have .* left to give them to Patch My PC Cloud\.$/);
  });

  it("shows the latest words in the polite live region", async () => {
    await welcome();
    const region = screen.getByTestId("live-region");
    expect(region.getAttribute("aria-live")).toBe("polite");
    expect(region.getAttribute("role")).toBe("status");
    await fireEvent.click(screen.getByRole("button", { name: "Practice run" }));
    await screen.findByText("Is this the tenant of your PMPC company?");
    expect(live()).toBe("Signed in. Your answer is needed on step 1: Is this the tenant of your PMPC company?");
  });

  it("hears an error and what to do", async () => {
    await welcome(
      fakeBackend({
        failAt: { step: "createApp", error: { code: "internal", message: "Boom", remedy: "Try again in a minute.", requestId: null } },
      }),
    );
    await fireEvent.click(screen.getByRole("button", { name: "Practice run" }));
    await fireEvent.click(await screen.findByRole("button", { name: "Yes, this is my PMPC company's tenant" }));
    await screen.findByTestId("error-panel");
    expect(live()).toBe("The wizard stopped. Try again in a minute.");
  });

  it("names what each copy button copies, and the countdown is a timer that does not speak as it ticks", async () => {
    await welcome();
    await fireEvent.click(screen.getByRole("button", { name: "Practice run" }));
    await fireEvent.click(await screen.findByRole("button", { name: "Yes, this is my PMPC company's tenant" }));
    await screen.findByText("Done: give these values to Patch My PC Cloud");
    const copies = screen.getAllByRole("button", { name: /^Copy/ }).map((b) => b.getAttribute("aria-label") ?? b.textContent);
    expect(copies).toEqual([
      "Copy Application (client) ID",
      "Copy Object ID",
      "Copy Directory (tenant) ID",
      "Copy client secret value",
      "Copy all four values as a labelled block",
    ]);
    const countdown = screen.getByTestId("countdown");
    expect(countdown.getAttribute("role")).toBe("timer");
    expect(countdown.closest("[aria-live]:not([aria-live='off']), [role=status], [role=alert]")).toBeNull();
    // The step status ticks ("retrying in 4 s") and is not a live region either.
    expect(document.querySelector("[data-testid=step-status][role], [data-testid=step-status][aria-live]")).toBeNull();
  });
});
