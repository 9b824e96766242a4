//! `pmpc-recovery-cli` (being built: see issue 4). For now: `plan [--json]` prints the 16 steps.
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("plan") if args.iter().any(|a| a == "--json") => {
            println!(
                "{}",
                serde_json::to_string(&recovery::PLAN).expect("the plan serializes")
            );
        }
        Some("plan") => {
            for step in recovery::PLAN {
                println!("{:>2}. {}", step.number, step.title);
            }
        }
        _ => {
            eprintln!("usage: pmpc-recovery-cli plan [--json]");
            std::process::exit(2);
        }
    }
}
