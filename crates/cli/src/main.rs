//! `pmpc-recovery-cli` (being built: see issue 4). For now it prints the plan.
fn main() {
    for step in recovery::PLAN {
        println!("{:>2}. {}", step.number, step.title);
    }
}
