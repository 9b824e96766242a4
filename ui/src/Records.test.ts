// Finish's "Save receipt" and "Add to calendar": through the backend (the save dialog is the shell's).
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import App from "./App.svelte";
import { fakeBackend, type FakeOptions } from "./lib/backend/fake";

afterEach(cleanup);

async function finish(opts: FakeOptions = {}) {
  const backend = fakeBackend(opts);
  render(App, { backend });
  await screen.findAllByTestId("step-title");
  await fireEvent.click(screen.getByRole("button", { name: "Practice run" }));
  await screen.findByText("Is this the tenant of your PMPC company?");
  await fireEvent.click(screen.getByRole("button", { name: "Yes, this is my PMPC company's tenant" }));
  await screen.findByText("Done: give these values to Patch My PC Cloud");
  return backend;
}

describe("files to keep, on Finish", () => {
  it("saves the receipt and the deadline and says where", async () => {
    const backend = await finish();
    const records = screen.getByTestId("records");
    expect(records.textContent).toContain("never holds the secret");
    await fireEvent.click(screen.getByRole("button", { name: "Save receipt" }));
    await waitFor(() => expect(screen.getByTestId("records-status").textContent).toContain("PMPC Recovery receipt - Contoso - 2026-11-28.html"));
    expect(backend.calls).toContain("saveReceipt");
    await fireEvent.click(screen.getByRole("button", { name: "Add to calendar" }));
    await waitFor(() => expect(screen.getByTestId("records-status").textContent).toContain("PMPC Recovery deadline - Contoso - 2026-11-28.ics"));
    expect(backend.calls).toContain("saveCalendar");
  });

  it("says nothing when the save dialog is cancelled", async () => {
    const backend = await finish({ cancelSave: true });
    await fireEvent.click(screen.getByRole("button", { name: "Save receipt" }));
    await waitFor(() => expect(backend.calls).toContain("saveReceipt"));
    expect(screen.getByTestId("records-status").textContent).toBe("");
  });

  it("shows why a save failed", async () => {
    const backend = await finish();
    backend.saveCalendar = async () => {
      throw { code: "invalidInput", message: "Could not save /read-only/x.ics: permission denied", remedy: "", requestId: null };
    };
    await fireEvent.click(screen.getByRole("button", { name: "Add to calendar" }));
    await waitFor(() => expect(screen.getByTestId("records-status").textContent).toContain("permission denied"));
  });

  it("still offers the receipt after the app registration is deleted, which then names the deletion", async () => {
    const backend = await finish();
    await fireEvent.click(screen.getByRole("button", { name: "Delete this app registration" }));
    await fireEvent.click(screen.getByRole("button", { name: "Yes, delete it" }));
    await screen.findByText("The app registration is deleted");
    expect(screen.queryByRole("button", { name: "Add to calendar" })).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Save receipt" }));
    await waitFor(() => expect(backend.calls.filter((c) => c === "saveReceipt").length).toBe(1));
  });
});
