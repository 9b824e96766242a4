//! This crate keeps the house rules of issue 21 (the checker: `structure_check.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../tests/support/structure_check.rs"]
mod structure_check;

#[test]
fn no_long_file_no_long_function_no_import_loop() {
    let problems = structure_check::check_crate(std::path::Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_checker_finds_what_it_is_for() {
    structure_check::self_test();
}
