import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import App from "./App.svelte";
import type { Backend } from "./lib/backend/types";
import type { PlanStep } from "./lib/bindings/PlanStep";

const steps: PlanStep[] = Array.from({ length: 16 }, (_, i) => ({
  number: i + 1,
  title: `Title ${i + 1}`,
  portal: `Click ${i + 1}.`,
  wizard: `Does ${i + 1}.`,
}));

const fakeBackend = (plan: () => Promise<PlanStep[]>): Backend => ({ plan });

afterEach(cleanup);

describe("App", () => {
  it("lists the 16 steps the backend serves and shows the first", async () => {
    render(App, { backend: fakeBackend(async () => steps) });
    const titles = await screen.findAllByTestId("step-title");
    expect(titles.map((t) => t.textContent)).toEqual(steps.map((s) => s.title));
    expect(screen.getByRole("heading", { level: 2 }).textContent).toBe("Title 1");
    expect(screen.getByText("Does 1.")).toBeTruthy();
  });

  it("moves between steps with Next and the step list", async () => {
    render(App, { backend: fakeBackend(async () => steps) });
    await screen.findAllByTestId("step-title");
    await fireEvent.click(screen.getByRole("button", { name: "Next" }));
    expect(screen.getByRole("heading", { level: 2 }).textContent).toBe("Title 2");
    await fireEvent.click(screen.getByRole("button", { name: /Title 16/ }));
    expect(screen.getByRole("heading", { level: 2 }).textContent).toBe("Title 16");
    expect((screen.getByRole("button", { name: "Next" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("explains a failure to load instead of showing a blank page", async () => {
    render(App, { backend: fakeBackend(async () => Promise.reject(new Error("ipc down"))) });
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("could not load its steps");
    expect(alert.textContent).toContain("ipc down");
  });
});
