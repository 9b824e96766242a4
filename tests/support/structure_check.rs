//! The house rules of issue 21, checked on one crate's own sources: no file over 800 lines (tests
//! in the file count), no non-test function over 80 lines, and no import loop between the crate's
//! modules. Every crate's `tests/structure.rs` includes this file (`#[path]`), so the workspace
//! keeps one checker; its self-tests (`self_tests`, below) run in every crate that includes it.
//!
//! - Sizes: every `.rs` file under `src/`, `tests/`, `benches/` and `examples/`, and any file a
//!   `#[path]` module brings in from elsewhere. Lengths: every non-test `fn` with a body in those
//!   source files.
//! - Modules are read as rustc reads them, from each crate root (`src/lib.rs`, `src/main.rs`,
//!   `src/bin/*.rs`, `src/bin/*/main.rs`) down its `mod` declarations: `mod a;` is `a.rs` or
//!   `a/mod.rs` in the folder of a `mod.rs`-like file (a root, a `mod.rs`, a `#[path]` file), else
//!   in the folder named after the file; `#[path = "…"]` names the file (beside the declaring file,
//!   or in its inline module's folder); an inline `mod a { … }` is a module of its own.
//! - Imports: every `use` tree and every path in code (`crate::…`, `super::…`, `self::…`, a child
//!   module's bare name, a sibling's under `use super::*` in that module), and every attribute
//!   string that is a path (`#[serde(with = "crate::a::b")]`), is an edge from the module it is
//!   written in to the deepest module it names. A module may use its ancestors and descendants (a
//!   parent declares, routes to and re-exports its children; children use what their parent
//!   shares); any other edge is lifted to the two sibling subtrees it joins under their nearest
//!   common ancestor (`a::b::c → a::d` counts as `a::b → a::d`), and those edges must form no
//!   cycle. A loop is reported with every import behind each of its edges.
//! - `#[cfg(test)]` and `#[test]` items are left out of the function and import rules.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub const MAX_FILE_LINES: usize = 800;
pub const MAX_FN_LINES: usize = 80;

/// A module as its path from the crate root: `[]` is the root, `["a", "b"]` is `a::b`.
type Module = Vec<String>;
type Tokens = Vec<(Tok, usize)>;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    Sep,
    Punct(char),
    /// A string literal's contents as written, or a char literal (empty).
    Lit(String),
}

/// What the check read of a crate, and what it found wrong.
#[derive(Debug, Default)]
pub struct Report {
    /// Every module read, from each root down (`crate`, `a`, `a::b`).
    pub modules: BTreeSet<String>,
    /// How many paths in non-test code name one of them.
    pub imports: usize,
    /// One entry per broken rule.
    pub problems: Vec<String>,
}

/// What the checks found wrong, one entry each.
pub fn check_crate(root: &Path) -> Vec<String> {
    read_crate(root).problems
}

/// A crate's `tests/structure.rs`: reads the crate at `root`, asserts that the reading worked (at
/// least `min_modules` modules and `min_imports` paths between them: a checker that read nothing
/// would pass anything) and that no rule is broken. Returns the report for a crate's own checks.
pub fn assert_keeps_the_rules(root: &str, min_modules: usize, min_imports: usize) -> Report {
    let report = read_crate(Path::new(root));
    assert!(report.modules.len() > min_modules, "{:?}", report.modules);
    assert!(report.imports > min_imports, "{}", report.imports);
    assert!(report.problems.is_empty(), "{}", report.problems.join("\n"));
    report
}

/// Reads the crate at `root` (its `Cargo.toml`'s folder) and checks the three rules.
pub fn read_crate(root: &Path) -> Report {
    let mut report = Report::default();
    let src = root.join("src");
    let mut sources: BTreeSet<PathBuf> = rust_files(&src).into_iter().collect();
    for crate_root in crate_roots(&src) {
        sources.extend(check_imports(root, &crate_root, &mut report));
    }
    let mut sized: BTreeSet<PathBuf> = sources.clone();
    for dir in ["tests", "benches", "examples"] {
        sized.extend(rust_files(&root.join(dir)));
    }
    for f in &sized {
        let lines = std::fs::read_to_string(f).map_or(0, |t| t.lines().count());
        if lines > MAX_FILE_LINES {
            let at = shown(root, f);
            report
                .problems
                .push(format!("{at}: {lines} lines (at most {MAX_FILE_LINES})"));
        }
    }
    for f in &sources {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        for (name, line, n) in functions(&non_test(&tokens(&text))) {
            if n > MAX_FN_LINES {
                let at = shown(root, f);
                let says = format!("{at}:{line}: fn {name} is {n} lines (at most {MAX_FN_LINES})");
                report.problems.push(says);
            }
        }
    }
    report
}

/// `src/lib.rs`, `src/main.rs`, `src/bin/x.rs` and `src/bin/x/main.rs`: each the root of a crate.
fn crate_roots(src: &Path) -> Vec<PathBuf> {
    let bin = src.join("bin");
    let mut out: Vec<PathBuf> = ["lib.rs", "main.rs"].iter().map(|f| src.join(f)).collect();
    out.extend(rust_files(&bin).into_iter().filter(|f| {
        f.parent() == Some(bin.as_path())
            || (f.ends_with("main.rs") && f.parent().and_then(Path::parent) == Some(bin.as_path()))
    }));
    out.retain(|f| f.is_file());
    out
}

/// The module tree from `crate_root`, its imports and loops into `report`; returns its files.
fn check_imports(root: &Path, crate_root: &Path, report: &mut Report) -> Vec<PathBuf> {
    let mut modules: BTreeSet<Module> = BTreeSet::new();
    let mut readings: Vec<(PathBuf, Reading)> = Vec::new();
    let mut todo = vec![(Module::new(), crate_root.to_path_buf(), true)];
    while let Some((module, file, mod_rs)) = todo.pop() {
        if !modules.insert(module.clone()) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&file) else {
            let m = name(&module);
            report
                .problems
                .push(format!("module {m}: no file {}", shown(root, &file)));
            continue;
        };
        let reading = read(&non_test(&tokens(&text)), &module, &file, mod_rs);
        modules.extend(reading.inline.iter().cloned());
        todo.extend(reading.children.iter().cloned());
        readings.push((file, reading));
    }
    report.modules.extend(modules.iter().map(name));
    let glob_super: BTreeSet<Module> = readings
        .iter()
        .flat_map(|(_, r)| r.glob_super.iter().cloned())
        .collect();
    // Lifted edges between siblings, each with the imports behind it.
    let mut edges: BTreeMap<(Module, Module), Vec<String>> = BTreeMap::new();
    for (file, reading) in &readings {
        for (from, path, line) in &reading.paths {
            let Some(to) = resolve(path, from, &modules, &glob_super) else {
                continue;
            };
            report.imports += 1;
            if from.starts_with(&to) || to.starts_with(from) {
                continue; // ancestor or descendant
            }
            let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            let key = (from[..=common].to_vec(), to[..=common].to_vec());
            let evidence = format!("{}:{line} {}", shown(root, file), path.join("::"));
            edges.entry(key).or_default().push(evidence);
        }
    }
    for group in loops(&edges) {
        let names: Vec<String> = group.iter().map(name).collect();
        let behind: Vec<String> = edges
            .iter()
            .filter(|((a, b), _)| group.contains(a) && group.contains(b))
            .map(|((a, b), why)| format!("{} -> {}: {}", name(a), name(b), why.join(", ")))
            .collect();
        report.problems.push(format!(
            "import loop between {}:\n    {}",
            names.join(", "),
            behind.join("\n    ")
        ));
    }
    readings.into_iter().map(|(f, _)| f).collect()
}

/// Each group of two or more modules that reach one another through the edges.
fn loops(edges: &BTreeMap<(Module, Module), Vec<String>>) -> Vec<BTreeSet<Module>> {
    let reach = |start: &Module| {
        let mut seen = BTreeSet::from([start.clone()]);
        let mut todo = vec![start.clone()];
        while let Some(m) = todo.pop() {
            for (_, b) in edges.keys().filter(|(a, _)| *a == m) {
                if seen.insert(b.clone()) {
                    todo.push(b.clone());
                }
            }
        }
        seen
    };
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for (n, _) in edges.keys() {
        if done.contains(n) {
            continue;
        }
        let group: BTreeSet<Module> = reach(n)
            .into_iter()
            .filter(|m| reach(m).contains(n))
            .collect();
        done.extend(group.iter().cloned());
        if group.len() > 1 {
            out.push(group);
        }
    }
    out
}

fn name(m: &Module) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

/// A file as the report names it: from the crate's folder when it is inside.
fn shown(root: &Path, file: &Path) -> String {
    file.strip_prefix(root)
        .unwrap_or(file)
        .display()
        .to_string()
}

/// What one file declares and names.
#[derive(Debug, Default)]
struct Reading {
    /// `mod name;`: the module, its file, and whether that file is `mod.rs`-like (its own
    /// children sit beside it).
    children: Vec<(Module, PathBuf, bool)>,
    /// `mod name { … }`.
    inline: Vec<Module>,
    /// Each path, with the module it is written in and its line.
    paths: Vec<(Module, Vec<String>, usize)>,
    /// The modules that `use super::*`.
    glob_super: BTreeSet<Module>,
}

/// Reads the (non-test) tokens of `file`, which is `module`.
fn read(toks: &[(Tok, usize)], module: &Module, file: &Path, mod_rs: bool) -> Reading {
    let dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
    let children_dir = if mod_rs {
        dir.clone()
    } else {
        dir.join(file.file_stem().unwrap_or_default())
    };
    let mut r = Reading::default();
    // The inline modules open at this point: (name, brace depth of its body).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let (mut depth, mut path_attr, mut k) = (0usize, None::<String>, 0);
    while k < toks.len() {
        let names = inline.iter().map(|(n, _)| n.clone());
        let scope: Module = module.iter().cloned().chain(names).collect();
        let line = toks[k].1;
        if let Some(end) = attribute_end(toks, k) {
            if let [_, _, (Tok::Ident(p), _), (Tok::Punct('='), _), (Tok::Lit(s), _), _] =
                &toks[k..end]
            {
                if p == "path" {
                    path_attr = Some(s.clone());
                }
            }
            for (t, l) in &toks[k..end] {
                if let Some(p) = string_path(t) {
                    r.paths.push((scope.clone(), p, *l));
                }
            }
        }
        match &toks[k].0 {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Tok::Ident(m) if m == "mod" => {
                if let Some((Tok::Ident(child), _)) = toks.get(k + 1) {
                    let child_module = [scope.clone(), vec![child.clone()]].concat();
                    if punct(toks.get(k + 2), ';') {
                        let within: PathBuf =
                            children_dir.join(inline.iter().map(|(n, _)| n).collect::<PathBuf>());
                        let (child_file, child_mod_rs) = match path_attr.take() {
                            Some(p) if inline.is_empty() => (dir.join(p), true),
                            Some(p) => (within.join(p), true),
                            None if within.join(format!("{child}.rs")).is_file() => {
                                (within.join(format!("{child}.rs")), false)
                            }
                            None => (within.join(child).join("mod.rs"), true),
                        };
                        r.children.push((child_module, child_file, child_mod_rs));
                        k += 3;
                        continue;
                    }
                    if punct(toks.get(k + 2), '{') {
                        depth += 1;
                        inline.push((child.clone(), depth));
                        r.inline.push(child_module);
                        path_attr = None;
                        k += 3;
                        continue;
                    }
                }
            }
            // `use<'a>` (precise capturing) is no import.
            Tok::Ident(u) if u == "use" && !punct(toks.get(k + 1), '<') => {
                let end = item_end(toks, k);
                let mut found = Vec::new();
                use_tree(&toks[k + 1..end], Vec::new(), &mut found);
                for p in found {
                    if p == ["super", "*"] {
                        r.glob_super.insert(scope.clone());
                    }
                    r.paths.push((scope.clone(), p, line));
                }
                k = end;
                continue;
            }
            Tok::Ident(first) if starts_path(toks, k) => {
                let mut segs = vec![first.clone()];
                while let (Some((Tok::Sep, _)), Some((Tok::Ident(s), _))) =
                    (toks.get(k + 1), toks.get(k + 2))
                {
                    segs.push(s.clone());
                    k += 2;
                }
                r.paths.push((scope, segs, line));
            }
            _ => {}
        }
        if matches!(toks[k].0, Tok::Punct(';' | '{' | '}')) {
            path_attr = None;
        }
        k += 1;
    }
    r
}

/// An identifier that begins a path: `a::b`, not after `::` or `.`.
fn starts_path(toks: &[(Tok, usize)], k: usize) -> bool {
    let after = k > 0 && matches!(toks[k - 1].0, Tok::Sep | Tok::Punct('.'));
    !after
        && matches!(toks.get(k + 1), Some((Tok::Sep, _)))
        && matches!(toks.get(k + 2), Some((Tok::Ident(_), _)))
}

/// A string that is a whole path (`"crate::a::f"`, `"super::b"`): its segments. Prose (a lint's
/// `reason`, an error message) is no path, though it may mention one.
fn string_path(t: &Tok) -> Option<Vec<String>> {
    let Tok::Lit(s) = t else { return None };
    let ident = |x: &str| {
        x.chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && x.chars().all(|c| c.is_alphanumeric() || c == '_')
    };
    let segs: Vec<String> = s.trim().split("::").map(str::to_string).collect();
    (segs.len() > 1 && segs.iter().all(|x| ident(x))).then_some(segs)
}

/// The paths of a `use` tree (after `use`, up to its end), each as its segments; a glob ends in
/// `*`.
fn use_tree(toks: &[(Tok, usize)], prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut segs = prefix;
    let mut i = 0;
    while i < toks.len() {
        match &toks[i].0 {
            Tok::Ident(s) if s == "as" => break,
            Tok::Ident(s) if s != "pub" => segs.push(s.clone()),
            Tok::Punct('*') => segs.push("*".into()),
            Tok::Sep => {}
            Tok::Punct('{') => {
                let end = block_end(toks, i);
                // Split the group at depth-0 commas.
                let inner = &toks[i + 1..end.saturating_sub(1).max(i + 1)];
                let mut depth = 0;
                let mut start = 0;
                for (k, (t, _)) in inner.iter().enumerate() {
                    match t {
                        Tok::Punct('{') => depth += 1,
                        Tok::Punct('}') => depth -= 1,
                        Tok::Punct(',') if depth == 0 => {
                            use_tree(&inner[start..k], segs.clone(), out);
                            start = k + 1;
                        }
                        _ => {}
                    }
                }
                use_tree(&inner[start..], segs.clone(), out);
                return;
            }
            _ => break,
        }
        i += 1;
    }
    if !segs.is_empty() {
        out.push(segs);
    }
}

/// The deepest module of the crate `path` names from `scope`, if it names one.
fn resolve(
    path: &[String],
    scope: &Module,
    modules: &BTreeSet<Module>,
    glob_super: &BTreeSet<Module>,
) -> Option<Module> {
    let (mut at, rest): (Module, &[String]) = match path.first()?.as_str() {
        "crate" => (Module::new(), &path[1..]),
        "self" | "super" => {
            let mut at = scope.clone();
            let n = path
                .iter()
                .take_while(|s| *s == "self" || *s == "super")
                .count();
            for s in &path[..n] {
                if s == "super" {
                    at.pop()?;
                }
            }
            (at, &path[n..])
        }
        first => {
            let child = [scope.clone(), vec![first.to_string()]].concat();
            let parent = scope[..scope.len().saturating_sub(1)].to_vec();
            let sibling = [parent.clone(), vec![first.to_string()]].concat();
            if modules.contains(&child) {
                (scope.clone(), path)
            } else if !scope.is_empty() && glob_super.contains(scope) && modules.contains(&sibling)
            {
                (parent, path)
            } else {
                return None;
            }
        }
    };
    for s in rest {
        let next = [at.clone(), vec![s.clone()]].concat();
        if !modules.contains(&next) {
            break;
        }
        at = next;
    }
    Some(at)
}

/// Rust tokens enough for paths and braces: comments dropped, literals kept whole (so that their
/// braces do not count), lifetimes as their names, each with its line.
fn tokens(src: &str) -> Tokens {
    let b: Vec<char> = src.chars().collect();
    let at = |i: usize, s: &str| s.chars().enumerate().all(|(k, c)| b.get(i + k) == Some(&c));
    let (mut i, mut line, mut out) = (0, 1, Vec::new());
    while i < b.len() {
        let c = b[i];
        let raw = match c {
            'r' => 1,
            'b' if at(i + 1, "r") => 2,
            _ => 0,
        };
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
            let first = line;
            i += if c == 'b' { 2 } else { 1 };
            let mut s = String::new();
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' && i + 1 < b.len() {
                    s.push('\\');
                    i += 1;
                }
                line += usize::from(b[i] == '\n');
                s.push(b[i]);
                i += 1;
            }
            i += 1;
            out.push((Tok::Lit(s), first));
        } else if raw > 0 && matches!(b.get(i + raw), Some('#' | '"')) {
            let mut j = i + raw;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                // `r#ident`: a raw identifier.
                let start = j;
                while j < b.len() && (b[j].is_alphanumeric() || b[j] == '_') {
                    j += 1;
                }
                out.push((Tok::Ident(b[start..j].iter().collect()), line));
                i = j;
                continue;
            }
            let close = format!("\"{}", "#".repeat(hashes));
            let first = line;
            let mut s = String::new();
            j += 1;
            while j < b.len() && !at(j, &close) {
                line += usize::from(b[j] == '\n');
                s.push(b[j]);
                j += 1;
            }
            out.push((Tok::Lit(s), first));
            i = j + close.len();
        } else if c == '\'' {
            // A char literal ('x', '\n', '\'', '\u{..}') or a lifetime ('a: its name lexes as an
            // identifier).
            let end = if b.get(i + 1) == Some(&'\\') {
                (i + 3..b.len()).find(|&k| b[k] == '\'')
            } else if b.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(e) => {
                    out.push((Tok::Lit(String::new()), line));
                    i = e + 1;
                }
                None => i += 1,
            }
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_') {
                i += 1;
            }
            out.push((Tok::Ident(b[start..i].iter().collect()), line));
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

fn ident(t: Option<&(Tok, usize)>, name: &str) -> bool {
    matches!(t, Some((Tok::Ident(s), _)) if s == name)
}

fn punct(t: Option<&(Tok, usize)>, c: char) -> bool {
    matches!(t, Some((Tok::Punct(p), _)) if *p == c)
}

/// The index after the `}` matching the `{` at `open` (the end when it has none).
fn block_end(toks: &[(Tok, usize)], open: usize) -> usize {
    closing(toks, open, ('{', '}')).unwrap_or(toks.len())
}

/// The index after the bracket that closes the one at `open`.
fn closing(toks: &[(Tok, usize)], open: usize, (o, c): (char, char)) -> Option<usize> {
    let mut depth = 0;
    for (k, (t, _)) in toks.iter().enumerate().skip(open) {
        match t {
            Tok::Punct(p) if *p == o => depth += 1,
            Tok::Punct(p) if *p == c => {
                depth -= 1;
                if depth == 0 {
                    return Some(k + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// The end of the item starting at `i`: after its `;`, or after its body's `}`, whichever comes
/// first at depth 0.
fn item_end(toks: &[(Tok, usize)], i: usize) -> usize {
    let mut k = i;
    while k < toks.len() {
        match toks[k].0 {
            Tok::Punct(';') => return k + 1,
            Tok::Punct('{') => return block_end(toks, k),
            _ => k += 1,
        }
    }
    toks.len()
}

/// `#[...]` or `#![...]` at `i`: the index after its `]`.
fn attribute_end(toks: &[(Tok, usize)], i: usize) -> Option<usize> {
    if !punct(toks.get(i), '#') {
        return None;
    }
    let open = i + 1 + usize::from(punct(toks.get(i + 1), '!'));
    if !punct(toks.get(open), '[') {
        return None;
    }
    closing(toks, open, ('[', ']'))
}

/// The tokens with every `#[cfg(test)]` and `#[test]` item left out.
fn non_test(toks: &[(Tok, usize)]) -> Tokens {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if let Some(end) = attribute_end(toks, i) {
            let inner: Vec<&Tok> = toks[i..end].iter().map(|(t, _)| t).collect();
            let is = |s: &str| inner.iter().any(|t| **t == Tok::Ident(s.into()));
            let test_attr = (is("cfg") && is("test") && !is("not"))
                || inner.len() <= 6 && is("test") && !is("cfg");
            if test_attr {
                // Skip the attribute, any further attributes, and the item.
                let mut k = end;
                while let Some(e) = attribute_end(toks, k) {
                    k = e;
                }
                i = item_end(toks, k);
                continue;
            }
        }
        out.push(toks[i].clone());
        i += 1;
    }
    out
}

/// Each `fn` with a body, as (name, first line, lines).
fn functions(toks: &[(Tok, usize)]) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    for i in 0..toks.len() {
        if !ident(toks.get(i), "fn") {
            continue;
        }
        let Some((Tok::Ident(name), line)) = toks.get(i + 1) else {
            continue;
        };
        let mut k = i + 2;
        while k < toks.len() && !matches!(toks[k].0, Tok::Punct('{') | Tok::Punct(';')) {
            k += 1;
        }
        if punct(toks.get(k), '{') {
            let end = block_end(toks, k);
            let last = toks[end.saturating_sub(1).min(toks.len() - 1)].1;
            out.push((name.clone(), *line, last - line + 1));
        }
    }
    out
}

/// Every `.rs` file below `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Every self-test at once, for a `tests/structure.rs` that calls it (they also run as tests of
/// their own wherever this file is included).
#[cfg(test)]
pub fn self_test() {
    self_tests::all();
}

/// The checker finds each thing it is for, and nothing else.
#[cfg(test)]
#[path = "structure_check_tests.rs"]
mod self_tests;
