import type { PlanStep } from "../bindings/PlanStep";

/**
 * Everything the UI asks of the desktop shell. Pages receive a Backend and never import
 * @tauri-apps/* themselves, so tests can hand them a fake.
 */
export interface Backend {
  /** The 16 steps of the procedure, as the core defines them. */
  plan(): Promise<PlanStep[]>;
}
