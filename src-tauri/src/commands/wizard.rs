use recovery::PlanStep;

/// The 16 steps of the procedure, as the core defines them.
#[tauri::command]
pub async fn plan() -> Vec<PlanStep> {
    recovery::PLAN.to_vec()
}
