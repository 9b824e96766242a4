//! The desktop shell keeps the house rules of issue 21: no file over 800 lines, no non-test
//! function over 80, no import loop between its modules. The checker, shared by every crate, and
//! its self-tests (which run here too): `tests/support/structure_check.rs` at the workspace root.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../tests/support/structure_check.rs"]
mod structure_check;

#[test]
fn no_long_file_no_long_function_no_import_loop() {
    structure_check::assert_keeps_the_rules(env!("CARGO_MANIFEST_DIR"), 10, 20);
}
