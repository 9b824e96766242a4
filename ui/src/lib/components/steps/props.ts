// What every step body is given: its step and that page's status (the rest comes from context).
import type { PlanStep } from "../../bindings/PlanStep";
import type { PageStatus } from "../../state/progress.svelte";

export interface StepProps {
  step: PlanStep;
  status: PageStatus;
}
