//! No import loop between tenant-sim's modules (issue 21).
//!
//! The module tree is read from `src/lib.rs` down its `mod` declarations (with `#[path]`). Every
//! `use` and every path in a file (`crate::…`, `super::…`, `self::…`, a child module's bare
//! name, a sibling's under `use super::*`, and `crate::…` inside attribute strings such as
//! `#[serde(with = "…")]`) is an edge from the file's module to the module it names. A module may
//! use its ancestors and descendants: a parent declares, routes to and re-exports its children,
//! and children use what their parent shares. Any other edge is lifted to the two sibling subtrees
//! it joins under their nearest common ancestor (`identity::token::user_tokens →
//! identity::authorize` counts as `identity::token → identity::authorize`), and those edges
//! must form no cycle.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;
type Files = BTreeMap<PathBuf, String>;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    Sep,
    Punct(char),
    /// A string literal's contents.
    Str(String),
}

/// Rust tokens enough for paths: comments dropped, literals kept whole, with their lines.
fn tokens(src: &str) -> Vec<(Tok, usize)> {
    let b: Vec<char> = src.chars().collect();
    let at = |i: usize, s: &str| s.chars().enumerate().all(|(k, c)| b.get(i + k) == Some(&c));
    let (mut i, mut line, mut out) = (0, 1, Vec::new());
    while i < b.len() {
        let c = b[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if at(i, "//") {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if at(i, "/*") {
            let mut depth = 0;
            while i < b.len() {
                if at(i, "/*") {
                    depth += 1;
                    i += 2;
                } else if at(i, "*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(b[i] == '\n');
                    i += 1;
                }
            }
        } else if c == '"' || (c == 'b' && at(i + 1, "\"")) {
            let start_line = line;
            i += if c == 'b' { 2 } else { 1 };
            let mut s = String::new();
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    s.push(b[i]);
                    i += 1;
                }
                line += usize::from(b[i] == '\n');
                s.push(b[i]);
                i += 1;
            }
            i += 1;
            out.push((Tok::Str(s), start_line));
        } else if (c == 'r' || (c == 'b' && at(i + 1, "r"))) && {
            let mut j = i + if c == 'b' { 2 } else { 1 };
            while b.get(j) == Some(&'#') {
                j += 1;
            }
            b.get(j) == Some(&'"')
        } {
            let start_line = line;
            i += if c == 'b' { 2 } else { 1 };
            let mut hashes = String::new();
            while b[i] == '#' {
                hashes.push('#');
                i += 1;
            }
            let end = format!("\"{hashes}");
            i += 1;
            let mut s = String::new();
            while i < b.len() && !at(i, &end) {
                line += usize::from(b[i] == '\n');
                s.push(b[i]);
                i += 1;
            }
            i += end.chars().count();
            out.push((Tok::Str(s), start_line));
        } else if c == '\'' {
            if b.get(i + 1) == Some(&'\\') {
                i += 2;
                while i < b.len() && b[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if b.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1; // a lifetime: its name lexes as an identifier
            }
        } else if c.is_alphanumeric() || c == '_' {
            let mut s = String::new();
            while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_') {
                s.push(b[i]);
                i += 1;
            }
            out.push((Tok::Ident(s), line));
        } else if at(i, "::") {
            out.push((Tok::Sep, line));
            i += 2;
        } else {
            out.push((Tok::Punct(c), line));
            i += 1;
        }
    }
    out
}

fn ident(t: Option<&(Tok, usize)>) -> Option<&str> {
    match t {
        Some((Tok::Ident(s), _)) => Some(s),
        _ => None,
    }
}

fn is(t: Option<&(Tok, usize)>, want: &Tok) -> bool {
    t.is_some_and(|(t, _)| t == want)
}

/// The module tree: each module's file, from `lib.rs` down its `mod name;` declarations.
fn module_tree(files: &Files, lib: &Path) -> BTreeMap<Module, PathBuf> {
    let mut tree = BTreeMap::new();
    let mut todo = vec![(vec!["crate".to_string()], lib.to_path_buf())];
    while let Some((module, file)) = todo.pop() {
        let src = files
            .get(&file)
            .unwrap_or_else(|| panic!("{} is declared but not found", file.display()));
        let dir = file.parent().unwrap().to_path_buf();
        let mod_rs = matches!(
            file.file_name().and_then(|n| n.to_str()),
            Some("lib.rs" | "main.rs" | "mod.rs")
        );
        let children_dir = if mod_rs {
            dir.clone()
        } else {
            dir.join(file.file_stem().unwrap())
        };
        let toks = tokens(src);
        let mut path_attr = None;
        for k in 0..toks.len() {
            match &toks[k].0 {
                Tok::Ident(p) if p == "path" && is(toks.get(k + 1), &Tok::Punct('=')) => {
                    if let Some((Tok::Str(s), _)) = toks.get(k + 2) {
                        path_attr = Some(s.clone());
                    }
                }
                Tok::Ident(m) if m == "mod" && is(toks.get(k + 2), &Tok::Punct(';')) => {
                    let name = ident(toks.get(k + 1)).unwrap().to_string();
                    let child = match path_attr.take() {
                        Some(p) => dir.join(p),
                        None => {
                            let flat = children_dir.join(format!("{name}.rs"));
                            if files.contains_key(&flat) {
                                flat
                            } else {
                                children_dir.join(&name).join("mod.rs")
                            }
                        }
                    };
                    let mut m = module.clone();
                    m.push(name);
                    todo.push((m, child));
                }
                Tok::Punct(';' | '{' | '}') => path_attr = None,
                _ => {}
            }
        }
        tree.insert(module, file);
    }
    tree
}

/// The paths of a `use` tree starting at `i`; returns the index after it.
fn use_tree(
    toks: &[(Tok, usize)],
    mut i: usize,
    prefix: &[String],
    out: &mut Vec<Module>,
) -> usize {
    let mut path = prefix.to_vec();
    while let Some((t, _)) = toks.get(i) {
        match t {
            Tok::Ident(s) => {
                path.push(s.clone());
                i += 1;
                if is(toks.get(i), &Tok::Sep) {
                    i += 1;
                    continue;
                }
                if ident(toks.get(i)) == Some("as") {
                    i += 2;
                }
                out.push(path);
                return i;
            }
            Tok::Punct('*') => {
                out.push(path);
                return i + 1;
            }
            Tok::Punct('{') => {
                i += 1;
                while i < toks.len() && !is(toks.get(i), &Tok::Punct('}')) {
                    i = use_tree(toks, i, &path, out);
                    if is(toks.get(i), &Tok::Punct(',')) {
                        i += 1;
                    }
                }
                return i + 1;
            }
            Tok::Sep => i += 1,
            _ => return i + 1,
        }
    }
    i
}

/// One import: the file's module, the module it names, and where (`file:line path`).
type Import = (Module, Module, String);

/// Every edge of every file: (from, to, evidence), resolved against the module tree.
fn imports(files: &Files, tree: &BTreeMap<Module, PathBuf>) -> Vec<Import> {
    let root = tree[&vec!["crate".to_string()]].parent().unwrap();
    let mut out = Vec::new();
    for (module, file) in tree {
        let toks = tokens(&files[file]);
        // (scope, path, line) for every path in the file, scope = module + inline modules.
        let mut found: Vec<(Module, Module, usize)> = Vec::new();
        let mut glob_super: BTreeSet<Module> = BTreeSet::new();
        let (mut depth, mut inline): (usize, Vec<(String, usize)>) = (0, Vec::new());
        let mut k = 0;
        while k < toks.len() {
            let scope: Module = module
                .iter()
                .cloned()
                .chain(inline.iter().map(|(n, _)| n.clone()))
                .collect();
            let line = toks[k].1;
            match &toks[k].0 {
                Tok::Punct('{') => depth += 1,
                Tok::Punct('}') => {
                    if inline.last().is_some_and(|(_, d)| *d == depth) {
                        inline.pop();
                    }
                    depth -= 1;
                }
                Tok::Ident(m) if m == "mod" && is(toks.get(k + 2), &Tok::Punct('{')) => {
                    inline.push((ident(toks.get(k + 1)).unwrap().to_string(), depth + 1));
                    depth += 1;
                    k += 3;
                    continue;
                }
                Tok::Ident(u) if u == "use" => {
                    let mut paths = Vec::new();
                    k = use_tree(&toks, k + 1, &[], &mut paths);
                    for p in paths {
                        if p == ["super"] {
                            glob_super.insert(scope.clone());
                        }
                        found.push((scope.clone(), p, line));
                    }
                    continue;
                }
                Tok::Ident(first)
                    if !(k > 0 && is(toks.get(k - 1), &Tok::Sep))
                        && is(toks.get(k + 1), &Tok::Sep)
                        && ident(toks.get(k + 2)).is_some() =>
                {
                    let mut p = vec![first.clone()];
                    while is(toks.get(k + 1), &Tok::Sep) && ident(toks.get(k + 2)).is_some() {
                        p.push(ident(toks.get(k + 2)).unwrap().to_string());
                        k += 2;
                    }
                    found.push((scope, p, line));
                }
                Tok::Str(s) => {
                    for part in s.split("crate::").skip(1) {
                        let mut p = vec!["crate".to_string()];
                        p.extend(part.split("::").map_while(|seg| {
                            let seg: String = seg
                                .chars()
                                .take_while(|c| c.is_alphanumeric() || *c == '_')
                                .collect();
                            (!seg.is_empty()).then_some(seg)
                        }));
                        found.push((scope.clone(), p, line));
                    }
                }
                _ => {}
            }
            k += 1;
        }
        for (scope, path, line) in found {
            if let Some(to) = resolve(tree, &glob_super, &scope, &path) {
                let at = file.strip_prefix(root).unwrap_or(file).display();
                let evidence = format!("src/{at}:{line} {}", path.join("::"));
                out.push((module.clone(), to, evidence));
            }
        }
    }
    out
}

/// The module `path` names from `scope`, or None when it names no module of the crate.
fn resolve(
    tree: &BTreeMap<Module, PathBuf>,
    glob_super: &BTreeSet<Module>,
    scope: &Module,
    path: &[String],
) -> Option<Module> {
    let parent = |m: &Module| m[..m.len().saturating_sub(1)].to_vec();
    let mut full: Module = match path.first()?.as_str() {
        "crate" => vec!["crate".to_string()],
        "super" | "self" => {
            let mut base = scope.clone();
            for seg in path.iter().take_while(|s| *s == "super" || *s == "self") {
                if seg == "super" {
                    base = parent(&base);
                }
            }
            base
        }
        name => {
            let child = [scope.clone(), vec![name.to_string()]].concat();
            let sibling = [parent(scope), vec![name.to_string()]].concat();
            if tree.contains_key(&child) {
                scope.clone()
            } else if glob_super.contains(scope) && tree.contains_key(&sibling) {
                parent(scope)
            } else {
                return None;
            }
        }
    };
    let rest = path
        .iter()
        .skip_while(|s| *s == "crate" || *s == "super" || *s == "self");
    full.extend(rest.filter(|s| *s != "self").cloned());
    while !tree.contains_key(&full) {
        full.pop()?;
    }
    Some(full)
}

/// The lifted edges between siblings, each with the imports behind it.
fn sibling_edges(imports: &[Import]) -> BTreeMap<(Module, Module), Vec<String>> {
    let mut edges: BTreeMap<(Module, Module), Vec<String>> = BTreeMap::new();
    for (from, to, evidence) in imports {
        if from.starts_with(to) || to.starts_with(from) {
            continue;
        }
        let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
        let key = (from[..=common].to_vec(), to[..=common].to_vec());
        edges.entry(key).or_default().push(evidence.clone());
    }
    edges
}

/// Each group of modules that import one another in a loop, with the edges that close it.
fn loops(edges: &BTreeMap<(Module, Module), Vec<String>>) -> Vec<Vec<String>> {
    let reach = |start: &Module| {
        let mut seen = BTreeSet::from([start.clone()]);
        let mut todo = vec![start.clone()];
        while let Some(m) = todo.pop() {
            for ((a, b), _) in edges.range((m.clone(), Module::new())..) {
                if *a != m {
                    break;
                }
                if seen.insert(b.clone()) {
                    todo.push(b.clone());
                }
            }
        }
        seen
    };
    let nodes: BTreeSet<Module> = edges.keys().map(|(a, _)| a.clone()).collect();
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for n in &nodes {
        if done.contains(n) {
            continue;
        }
        let group: BTreeSet<Module> = reach(n)
            .into_iter()
            .filter(|m| reach(m).contains(n))
            .collect();
        done.extend(group.iter().cloned());
        if group.len() > 1 {
            out.push(
                edges
                    .iter()
                    .filter(|((a, b), _)| group.contains(a) && group.contains(b))
                    .map(|((a, b), why)| {
                        format!("{} -> {}: {}", a.join("::"), b.join("::"), why.join(", "))
                    })
                    .collect(),
            );
        }
    }
    out
}

fn analyse(
    files: &Files,
    lib: &Path,
) -> (BTreeMap<Module, PathBuf>, Vec<Import>, Vec<Vec<String>>) {
    let tree = module_tree(files, lib);
    let imports = imports(files, &tree);
    let found = loops(&sibling_edges(&imports));
    (tree, imports, found)
}

fn read_dir(dir: &Path, files: &mut Files) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            read_dir(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.insert(path.clone(), std::fs::read_to_string(&path).unwrap());
        }
    }
}

#[test]
fn tenant_sim_modules_import_one_another_in_no_loop() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Files::new();
    read_dir(&src, &mut files);
    let (tree, imports, found) = analyse(&files, &src.join("lib.rs"));
    // The reading itself works: the whole tree (a `#[path]` module too) and its imports.
    assert!(tree.len() > 30, "{:?}", tree.keys());
    assert!(tree.contains_key(["crate", "tokens", "public"].map(String::from).as_slice()));
    assert!(imports.len() > 100, "{imports:?}");
    assert!(
        found.is_empty(),
        "import loops between tenant-sim's modules:\n{}",
        found
            .iter()
            .map(|l| l.join("\n  "))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The reader finds the loops it is meant to find, and no other.
#[test]
fn the_loop_finder_finds_loops_and_only_loops() {
    let case = |sources: &[(&str, &str)]| {
        let files: Files = sources
            .iter()
            .map(|(p, s)| (PathBuf::from("/src").join(p), s.to_string()))
            .collect();
        let (_, _, found) = analyse(&files, Path::new("/src/lib.rs"));
        found
            .iter()
            .map(|l| {
                l.iter()
                    .map(|e| e.split(": ").next().unwrap().to_string())
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    };
    // Two siblings through `crate::` and `super::`.
    let found = case(&[
        ("lib.rs", "mod a; mod b; pub use a::X;"),
        ("a.rs", "use crate::b::{self, Y};\npub struct X;"),
        ("b.rs", "pub struct Y; fn f() { let _ = super::a::X; }"),
    ]);
    assert_eq!(found, [["crate::a -> crate::b", "crate::b -> crate::a"]]);
    // A sibling's bare name under `use super::*`, and a `#[path]` child.
    let found = case(&[
        ("lib.rs", "mod g;"),
        ("g/mod.rs", "mod p;\n#[path = \"other/q.rs\"]\nmod q;"),
        ("g/p.rs", "use super::*;\nfn f() { q::go(); }"),
        ("g/other/q.rs", "pub fn go() { crate::g::p::f(); }"),
    ]);
    assert_eq!(
        found,
        [["crate::g::p -> crate::g::q", "crate::g::q -> crate::g::p"]]
    );
    // Lifted to the siblings a nested module sits in.
    let found = case(&[
        ("lib.rs", "mod i;"),
        ("i/mod.rs", "mod t; mod a;"),
        ("i/t/mod.rs", "mod u;"),
        ("i/t/u.rs", "#[serde(with = \"crate::i::a::r\")] struct S;"),
        ("i/a.rs", "use super::t::s;"),
    ]);
    assert_eq!(
        found,
        [["crate::i::a -> crate::i::t", "crate::i::t -> crate::i::a"]]
    );
    // Parents and children, comments, other strings and test modules are no loop.
    let found = case(&[
        ("lib.rs", "mod a; mod b; use a::x; fn y() {}"),
        ("a.rs", "use crate::y;\nuse crate::b::z;\npub fn x() { z() }"),
        (
            "b.rs",
            "// use super::a::x;\npub fn z() { let _ = \"super::a::x\"; }\n/* crate::a::x */\n#[cfg(test)]\nmod tests { use super::*; fn t() { z(); } }",
        ),
    ]);
    assert!(found.is_empty(), "{found:?}");
}
