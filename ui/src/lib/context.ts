// The wizard, shared with every page through Svelte context: App provides it once, and a component
// takes the parts it reads and the actions it needs: `const { progress, flow } = useWizard();`.
// The parts are lib/state/'s; the actions (flow, values, runsPage, support) are lib/wizard/'s, and
// only they reach the backend: the Wizard does not hold it.
import { getContext, setContext } from "svelte";
import type { Wizard } from "./wizard.svelte";

const WIZARD = Symbol("wizard");

export function provideWizard(wizard: Wizard): void {
  setContext(WIZARD, wizard);
}

export const useWizard = () => getContext<Wizard>(WIZARD);
