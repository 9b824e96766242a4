// The only module that talks to Tauri.
import { invoke } from "@tauri-apps/api/core";
import type { PlanStep } from "../bindings/PlanStep";
import type { Backend } from "./types";

export const tauriBackend: Backend = {
  plan: () => invoke<PlanStep[]>("plan"),
};
