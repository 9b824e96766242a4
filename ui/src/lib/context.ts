// The wizard's parts and actions, shared with every page through Svelte context: App provides them
// once, a component asks for the part it reads (`useProgress()`) and the actions it needs
// (`useFlow()`, `useValues()`, `useRunsPage()`, `useSupport()`). No component gets the backend.
import { getContext, setContext } from "svelte";
import type { Wizard } from "./wizard.svelte";

const SETTINGS = Symbol("settings");
const PROGRESS = Symbol("progress");
const OUTCOME = Symbol("outcome");
const SIGN_IN = Symbol("signIn");
const TROUBLE = Symbol("trouble");
const CLOCK = Symbol("clock");
const RUNS = Symbol("runs");
const FLOW = Symbol("flow");
const VALUES = Symbol("values");
const RUNS_PAGE = Symbol("runsPage");
const SUPPORT = Symbol("support");

export function provideWizard(wizard: Wizard): void {
  setContext(SETTINGS, wizard.settings);
  setContext(PROGRESS, wizard.progress);
  setContext(OUTCOME, wizard.outcome);
  setContext(SIGN_IN, wizard.signIn);
  setContext(TROUBLE, wizard.trouble);
  setContext(CLOCK, wizard.clock);
  setContext(RUNS, wizard.runs);
  setContext(FLOW, wizard.flow);
  setContext(VALUES, wizard.values);
  setContext(RUNS_PAGE, wizard.runsPage);
  setContext(SUPPORT, wizard.support);
}

export const useSettings = () => getContext<Wizard["settings"]>(SETTINGS);
export const useProgress = () => getContext<Wizard["progress"]>(PROGRESS);
export const useOutcome = () => getContext<Wizard["outcome"]>(OUTCOME);
export const useSignIn = () => getContext<Wizard["signIn"]>(SIGN_IN);
export const useTrouble = () => getContext<Wizard["trouble"]>(TROUBLE);
export const useClock = () => getContext<Wizard["clock"]>(CLOCK);
export const useRuns = () => getContext<Wizard["runs"]>(RUNS);
export const useFlow = () => getContext<Wizard["flow"]>(FLOW);
export const useValues = () => getContext<Wizard["values"]>(VALUES);
export const useRunsPage = () => getContext<Wizard["runsPage"]>(RUNS_PAGE);
export const useSupport = () => getContext<Wizard["support"]>(SUPPORT);
