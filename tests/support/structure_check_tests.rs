//! The structure checker's self-tests (`structure_check.rs`): it finds each thing it is for, and
//! nothing else. Each test writes a small crate to a temporary folder and checks it.

use super::{check_crate, MAX_FILE_LINES, MAX_FN_LINES};
use std::sync::atomic::{AtomicUsize, Ordering};

pub(super) fn all() {
    a_long_function_and_no_other();
    a_long_file_and_no_other();
    a_loop_through_crate_and_super_paths();
    a_loop_through_a_glob_sibling_and_a_path_module();
    a_loop_through_an_attribute_string_lifted_to_siblings();
    a_loop_with_an_inline_module_and_in_a_binary();
    no_loop_from_parents_children_comments_strings_or_tests();
}

/// The problems `check_crate` finds in a crate of these files.
fn check(files: &[(&str, &str)]) -> Vec<String> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("structure-check-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    let found = check_crate(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    found
}

/// Each loop found, as its edges (`a -> b`).
fn loops(found: &[String]) -> Vec<Vec<String>> {
    found
        .iter()
        .filter(|p| p.starts_with("import loop"))
        .map(|p| {
            p.lines()
                .skip(1)
                .map(|e| e.trim().split(": ").next().unwrap().to_string())
                .collect()
        })
        .collect()
}

#[test]
fn a_long_function_and_no_other() {
    let body = "    let _ = 1;\n".repeat(MAX_FN_LINES - 2);
    let lib = format!(
        "fn long() {{\n{body}    let _ = 2;\n}}\n\
         fn just_short() {{\n{body}}}\n\
         fn braces_in_literals() {{ let _ = (\"}}\", r#\"}}\"#, '}}', '\\'', b\"{{\"); }}\n\
         fn with_lifetime<'a>(x: &'a str) -> &'a str {{ x }}\n\
         #[cfg(test)]\nmod tests {{\n    fn long_test_helper() {{\n{body}{body}    }}\n}}\n\
         #[test]\nfn long_test() {{\n{body}{body}}}\n"
    );
    let found = check(&[("src/lib.rs", &lib)]);
    let lines = MAX_FN_LINES + 1;
    assert_eq!(
        found,
        [format!(
            "src/lib.rs:1: fn long is {lines} lines (at most {MAX_FN_LINES})"
        )]
    );
}

#[test]
fn a_long_file_and_no_other() {
    let long = "// a line\n".repeat(MAX_FILE_LINES + 1);
    let full = "// a line\n".repeat(MAX_FILE_LINES);
    let found = check(&[
        ("src/lib.rs", "mod far;"),
        ("src/far.rs", &full),
        ("tests/long.rs", &long),
        ("benches/full.rs", &full),
    ]);
    let lines = MAX_FILE_LINES + 1;
    assert_eq!(
        found,
        [format!(
            "tests/long.rs: {lines} lines (at most {MAX_FILE_LINES})"
        )]
    );
}

#[test]
fn a_loop_through_crate_and_super_paths() {
    let found = check(&[
        ("src/lib.rs", "mod a; mod b; pub use a::X;"),
        ("src/a.rs", "use crate::b::{self, Y};\npub struct X;"),
        ("src/b.rs", "pub struct Y;\nfn f() { let _ = super::a::X; }"),
    ]);
    assert_eq!(loops(&found), [["a -> b", "b -> a"]], "{found:#?}");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].contains("src/a.rs:1 crate::b::self"), "{found:#?}");
    assert!(found[0].contains("src/b.rs:2 super::a::X"), "{found:#?}");
}

/// `q` lives in `g/other/q.rs` (`#[path]`): a reading by file layout would call it `g::other::q`
/// and miss the loop. `q`'s own child sits beside it, as beside a `mod.rs`.
#[test]
fn a_loop_through_a_glob_sibling_and_a_path_module() {
    let found = check(&[
        ("src/lib.rs", "mod g;"),
        ("src/g/mod.rs", "mod p;\n#[path = \"other/q.rs\"]\nmod q;"),
        ("src/g/p.rs", "use super::*;\nfn f() { q::go(); }"),
        ("src/g/other/q.rs", "mod r;\npub fn go() { r::f(); }"),
        ("src/g/other/r.rs", "pub fn f() { crate::g::p::f(); }"),
    ]);
    assert_eq!(
        loops(&found),
        [["g::p -> g::q", "g::q -> g::p"]],
        "{found:#?}"
    );
    assert!(
        found[0].contains("src/g/other/r.rs:1 crate::g::p::f"),
        "{found:#?}"
    );
}

#[test]
fn a_loop_through_an_attribute_string_lifted_to_siblings() {
    let found = check(&[
        ("src/lib.rs", "mod i;"),
        ("src/i/mod.rs", "mod t; mod a;"),
        ("src/i/t/mod.rs", "mod u;"),
        (
            "src/i/t/u.rs",
            "#[derive(Serialize)]\nstruct S(#[serde(with = \"crate::i::a::r\")] u8);",
        ),
        ("src/i/a.rs", "use super::t::s;"),
    ]);
    assert_eq!(
        loops(&found),
        [["i::a -> i::t", "i::t -> i::a"]],
        "{found:#?}"
    );
    assert!(
        found[0].contains("src/i/t/u.rs:2 crate::i::a::r"),
        "{found:#?}"
    );
}

/// An inline module is a module of its own, its `mod x;` in its folder; a binary's modules
/// are checked as their own crate.
#[test]
fn a_loop_with_an_inline_module_and_in_a_binary() {
    let found = check(&[
        ("src/lib.rs", "mod a;\nmod b { pub mod c; }"),
        ("src/a.rs", "use crate::b::c::Y;\npub struct X;"),
        ("src/b/c.rs", "pub struct Y(crate::a::X);"),
        ("src/main.rs", "mod m;\nmod n;"),
        ("src/m.rs", "use crate::n::*;"),
        ("src/n.rs", "fn f() { super::m::g(); }"),
    ]);
    assert_eq!(
        loops(&found),
        [vec!["a -> b", "b -> a"], vec!["m -> n", "n -> m"]],
        "{found:#?}"
    );
}

/// Parents and children, comments, other strings, prose in attributes, test modules and a
/// glob in a test module make no loop; nor does a missing file go unsaid.
#[test]
fn no_loop_from_parents_children_comments_strings_or_tests() {
    let found = check(&[
        ("src/lib.rs", "mod a; mod b; use a::x; fn y() {}"),
        (
            "src/a.rs",
            "use crate::y;\nuse crate::b::z;\npub fn x() { z() }",
        ),
        (
            "src/b.rs",
            "// use super::a::x;\npub fn z() { let _ = \"crate::a::x\"; }\n/* crate::a::x */\n\
             #[allow(dead_code, reason = \"kept for crate::a::x\")]\nfn w() { a::x(); }\n\
             #[cfg(test)]\nmod tests { use super::*; fn t() { z(); crate::a::x(); } }",
        ),
    ]);
    assert!(found.is_empty(), "{found:#?}");
    let found = check(&[("src/lib.rs", "mod gone;")]);
    assert_eq!(found, ["module gone: no file src/gone/mod.rs"]);
}
