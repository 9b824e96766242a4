// Welcome as a screen reader and a keyboard meet it (issue 22).
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import App from "./App.svelte";
import { fakeBackend } from "./lib/backend/fake";

afterEach(cleanup);

describe("Welcome", () => {
  it("has an Options toggle that is a button saying whether it is open, and opens its panel", async () => {
    render(App, { backend: fakeBackend() });
    await screen.findAllByTestId("step-title");
    const toggle = screen.getByRole("button", { name: /^Options: Microsoft cloud/ });
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    const panel = document.getElementById(toggle.getAttribute("aria-controls")!)!;
    expect(panel.hidden).toBe(true);
    await fireEvent.click(toggle);
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    expect(panel.hidden).toBe(false);
    expect(screen.getByLabelText("Tenant (domain or ID)")).toBeTruthy();
    await fireEvent.click(toggle);
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    expect(panel.hidden).toBe(true);
  });

  it("shows once the earlier run is known, with its section already in place", async () => {
    const backend = fakeBackend({ earlierRun: true, statusDelayMs: 100 });
    render(App, { backend });
    // The buttons appear together with the earlier run's section, never before it.
    const signIn = await screen.findByRole("button", { name: "Sign in to Microsoft" });
    expect(screen.getByRole("heading", { name: "You already made one on this computer" })).toBeTruthy();
    expect(signIn.compareDocumentPosition(screen.getByRole("button", { name: "See its values" })) & Node.DOCUMENT_POSITION_PRECEDING).toBeTruthy();
  });
});
