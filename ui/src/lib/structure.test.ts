// The UI's structure: pages chosen from a map, navigation without page numbers written out, the
// backend facade as the only door to Tauri, and the wizard's actions as the only door to the
// backend. (Sizes and import loops: sizes.test.ts.)
import { describe, expect, it } from "vitest";
import { PLAN } from "./backend/fake";
import { FINISH, Progress, WELCOME } from "./state/progress.svelte";
import { BODY_BY_STEP, bodyFor } from "./components/steps";
import AppIds from "./components/steps/AppIds.svelte";
import ChooseApp from "./components/steps/ChooseApp.svelte";
import Consent from "./components/steps/Consent.svelte";
import Secret from "./components/steps/Secret.svelte";
import SignIn from "./components/steps/SignIn.svelte";

function progress(): Progress {
  const p = new Progress();
  p.load(PLAN);
  return p;
}

describe("pages", () => {
  it("go from Welcome through the plan's steps to Finish", () => {
    const p = progress();
    const first = PLAN.steps[0].number;
    const last = PLAN.steps.at(-1)!.number;
    expect(p.before(first)).toBe(WELCOME);
    expect(p.after(last)).toBe(FINISH);
    expect(p.after(first)).toBe(PLAN.steps[1].number);
    expect(p.before(last)).toBe(PLAN.steps.at(-2)!.number);
  });

  it("get their content from the engine steps that fill them", () => {
    const p = progress();
    const bodies = PLAN.steps.map((s) => bodyFor(p.stepsOn(s.number)));
    const on = (step: keyof typeof PLAN.pages) => (PLAN.pages[step] ?? []).map((n) => bodies[n - 1]);
    expect(on("signIn").every((b) => b === SignIn)).toBe(true);
    expect(on("findExisting").every((b) => b === ChooseApp)).toBe(true);
    expect(on("createApp").every((b) => b === AppIds)).toBe(true);
    expect(on("confirmConsent").every((b) => b === Consent)).toBe(true);
    expect(on("verify").every((b) => b === Secret)).toBe(true);
    // Every body in the map is used by some page.
    expect(new Set(Object.values(BODY_BY_STEP)).size).toBe(new Set(bodies.filter(Boolean)).size);
  });

  it("follow the engine to the step it works on", () => {
    const p = progress();
    p.mark("createApp", { state: "active", note: null, until: null });
    p.followEngine();
    expect(p.current).toBe(PLAN.pages.createApp![0]);
    expect(p.nextTitle).toBe(PLAN.steps[0].title);
  });
});

// Every source file under src/, as text (Vite reads them; no Node APIs needed).
const sources = import.meta.glob(["/src/**/*.ts", "/src/**/*.svelte", "!/src/**/*.test.ts"], {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

/** The components (.svelte) that reach for the backend themselves rather than through an action of the wizard. */
function componentsUsingBackend(files: Record<string, string>): string[] {
  return Object.entries(files)
    .filter(([path, text]) => path.endsWith(".svelte") && /\.backend\b/.test(text))
    .map(([path]) => path);
}

describe("the backend facade", () => {
  it("is the only code that imports @tauri-apps", () => {
    expect(Object.keys(sources).length).toBeGreaterThan(10);
    const importers = Object.entries(sources)
      .filter(([, text]) => /from\s+["']@tauri-apps\//.test(text))
      .map(([path]) => path);
    expect(importers.length).toBeGreaterThan(0);
    expect(importers.every((f) => f.startsWith("/src/lib/backend/"))).toBe(true);
  });
});

describe("the backend", () => {
  it("is called only by the wizard's actions, never by a component", () => {
    expect(Object.keys(sources).filter((p) => p.endsWith(".svelte")).length).toBeGreaterThan(15);
    expect(componentsUsingBackend(sources)).toEqual([]);
  });

  it("is found by the check when a component calls it", () => {
    const files = {
      "/src/lib/components/A.svelte": "<script>\n  const copy = (v) => wizard.backend.copyText(v);\n</script>",
      "/src/lib/components/B.svelte": "<script>\n  const copy = (v) => values.copyText(v);\n</script>",
      "/src/lib/wizard/values.svelte.ts": "return this.backend.copyText(text);",
    };
    expect(componentsUsingBackend(files)).toEqual(["/src/lib/components/A.svelte"]);
  });
});
