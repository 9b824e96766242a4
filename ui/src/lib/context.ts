// The wizard's parts, shared with every page through Svelte context: App provides them once,
// a component asks for the part it reads (`useProgress()`) or for the actions (`useWizard()`).
import { getContext, setContext } from "svelte";
import type { Wizard } from "./wizard.svelte";

const WIZARD = Symbol("wizard");
const SETTINGS = Symbol("settings");
const PROGRESS = Symbol("progress");
const OUTCOME = Symbol("outcome");
const SIGN_IN = Symbol("signIn");
const TROUBLE = Symbol("trouble");
const CLOCK = Symbol("clock");
const RUNS = Symbol("runs");

export function provideWizard(wizard: Wizard): void {
  setContext(WIZARD, wizard);
  setContext(SETTINGS, wizard.settings);
  setContext(PROGRESS, wizard.progress);
  setContext(OUTCOME, wizard.outcome);
  setContext(SIGN_IN, wizard.signIn);
  setContext(TROUBLE, wizard.trouble);
  setContext(CLOCK, wizard.clock);
  setContext(RUNS, wizard.runs);
}

export const useWizard = () => getContext<Wizard>(WIZARD);
export const useSettings = () => getContext<Wizard["settings"]>(SETTINGS);
export const useProgress = () => getContext<Wizard["progress"]>(PROGRESS);
export const useOutcome = () => getContext<Wizard["outcome"]>(OUTCOME);
export const useSignIn = () => getContext<Wizard["signIn"]>(SIGN_IN);
export const useTrouble = () => getContext<Wizard["trouble"]>(TROUBLE);
export const useClock = () => getContext<Wizard["clock"]>(CLOCK);
export const useRuns = () => getContext<Wizard["runs"]>(RUNS);
