//! The desktop shell keeps the house rules of issue 21: no file over 800 lines, no non-test
//! function over 80, no import loop between its modules. The checker, shared by every crate, and
//! its self-tests (which run here too): `tests/support/structure_check.rs` at the workspace root.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../tests/support/structure_check.rs"]
mod structure_check;

#[test]
fn no_long_file_no_long_function_no_import_loop() {
    let report = structure_check::read_crate(std::path::Path::new(env!("CARGO_MANIFEST_DIR")));
    // The reading itself works: the module tree and the imports in it.
    assert!(report.modules.len() > 10, "{:?}", report.modules);
    assert!(report.imports > 20, "{}", report.imports);
    assert!(report.problems.is_empty(), "{}", report.problems.join("\n"));
}
