//! `batch --practice FILE`: a partner sees `batch` work before using it on customers. Each line
//! gets a practice tenant of its own, named after it, in an in-process tenant-sim; nothing real is
//! touched (no data folder, no keychain) and every line the command prints says it is practice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_pmpc-recovery-cli");

#[test]
fn a_practice_batch_runs_every_line_against_its_own_practice_tenant_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("customers.txt");
    std::fs::write(
        &file,
        "# an IT partner's customers\n\
         contoso.com Contoso main office\n\
         fabrikam.com\n\
         72f988bf-86f1-41af-91ab-2d7cd011db47,Tailspin\n\
         contoso.onmicrosoft.com The practice tenant's own domain\n",
    )
    .unwrap();
    // A data folder and keychain of its own: nothing may land in either.
    let data = dir.path().join("data");
    let out = Command::new(BIN)
        .args(["--practice", "--fast", "batch"])
        .arg(&file)
        .env("PMPC_RECOVERY_DATA_DIR", &data)
        .env("XDG_DATA_HOME", dir.path().join("xdg"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );

    // Every line of output says it is practice.
    for line in stdout
        .lines()
        .chain(stderr.lines())
        .filter(|l| !l.trim().is_empty())
    {
        assert!(
            line.to_lowercase().contains("practice"),
            "a line that does not say practice: {line:?}\nstderr:\n{stderr}"
        );
    }
    // Each line's tenant was run and verified, under its own name.
    // The last line names the practice tenant's own domain: its Global Administrator signs in
    // (there is no admin@contoso.onmicrosoft.com to wait for).
    for name in [
        "Contoso main office",
        "fabrikam.com",
        "Tailspin",
        "The practice tenant's own domain",
    ] {
        assert!(
            stderr.contains(&format!("[{name} · practice]")),
            "{name} in:\n{stderr}"
        );
    }
    assert!(
        stdout.matches("verified").count() + stdout.matches("Verified").count() >= 4,
        "four verified tenants in:\n{stdout}"
    );
    // The report beside the file says practice in its name; nothing in the data folders.
    assert!(dir.path().join("customers.practice.report.csv").exists());
    assert!(!dir.path().join("customers.report.csv").exists());
    assert!(
        !data.exists() || std::fs::read_dir(&data).unwrap().next().is_none(),
        "the data folder stays empty"
    );
    assert!(
        !dir.path().join("xdg").exists(),
        "nothing in the user's data folder"
    );

    // --json: the same, marked practice.
    let out = Command::new(BIN)
        .args(["--practice", "--fast", "--json", "batch"])
        .arg(&file)
        .env("PMPC_RECOVERY_DATA_DIR", &data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["practice"], serde_json::Value::Bool(true));
}
