//! The house rules of issue 21, checked on a crate's own sources: no file over 800 lines (tests in
//! the file count), no non-test function over 80 lines, and no import loop between its modules.
//! Included by each crate's `tests/structure.rs` (`#[path]`), so every crate keeps one checker.
//!
//! Modules are the files under `src/` (`lib.rs`/`main.rs` the root, `a.rs` or `a/mod.rs` is `a`,
//! `a/b.rs` is `a::b`). Every `use` tree and every path in code (`crate::…`, `super::…`,
//! `self::…`, a child module's bare name, and a sibling's under `use super::*`) is an edge from
//! the file's module to the deepest module it names. A module may use its ancestors and
//! descendants (a parent declares and re-exports its children; children use what their parent
//! shares); any other edge is lifted to the two sibling subtrees it joins under their nearest
//! common ancestor, and those edges must form no cycle. `#[cfg(test)]` items are left out of the
//! function and import rules.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub const MAX_FILE_LINES: usize = 800;
pub const MAX_FN_LINES: usize = 80;

type Module = Vec<String>;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    Sep,
    Punct(char),
    Lit,
}

/// Rust tokens enough for paths and braces: comments dropped, literals (strings, raw strings,
/// chars) kept whole so that their braces do not count, each with its line.
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
            out.push((Tok::Lit, line));
            i += if c == 'b' { 2 } else { 1 };
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                line += usize::from(b.get(i) == Some(&'\n'));
                i += 1;
            }
            i += 1;
        } else if (c == 'r' || (c == 'b' && at(i + 1, "r")))
            && matches!(b.get(i + 1 + usize::from(c == 'b')), Some('#' | '"'))
        {
            let mut j = i + 1 + usize::from(c == 'b');
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
            out.push((Tok::Lit, line));
            j += 1;
            let close: String = std::iter::once('"')
                .chain("#".repeat(hashes).chars())
                .collect();
            while j < b.len() && !at(j, &close) {
                line += usize::from(b[j] == '\n');
                j += 1;
            }
            i = j + close.chars().count();
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a).
            let end = if b.get(i + 1) == Some(&'\\') {
                (i + 2..b.len()).find(|&k| b[k] == '\'')
            } else if b.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(e) => {
                    out.push((Tok::Lit, line));
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

/// The index after the `}` matching the `{` at `open`.
fn block_end(toks: &[(Tok, usize)], open: usize) -> usize {
    let mut depth = 0;
    for (k, (t, _)) in toks.iter().enumerate().skip(open) {
        match t {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                depth -= 1;
                if depth == 0 {
                    return k + 1;
                }
            }
            _ => {}
        }
    }
    toks.len()
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

/// `#[...]` at `i`: the index after its `]`.
fn attribute_end(toks: &[(Tok, usize)], i: usize) -> Option<usize> {
    if !punct(toks.get(i), '#') {
        return None;
    }
    let open = i + 1 + usize::from(punct(toks.get(i + 1), '!'));
    if !punct(toks.get(open), '[') {
        return None;
    }
    let mut depth = 0;
    for (k, (t, _)) in toks.iter().enumerate().skip(open) {
        match t {
            Tok::Punct('[') => depth += 1,
            Tok::Punct(']') => {
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

/// The tokens with every `#[cfg(test)]` and `#[test]` item left out.
fn non_test(toks: &[(Tok, usize)]) -> Vec<(Tok, usize)> {
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

/// Each non-test `fn` with a body, as (name, first line, lines).
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

/// Every `.rs` file below `dir`.
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

/// The module a file under `src/` is.
fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The paths a file's code names, each as its segments and line: use trees expanded.
fn paths(toks: &[(Tok, usize)]) -> Vec<(Vec<String>, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if ident(toks.get(i), "use") {
            let end = item_end(toks, i);
            use_tree(&toks[i + 1..end], Vec::new(), &mut out);
            i = end;
            continue;
        }
        if let (Tok::Ident(first), line) = &toks[i] {
            // A path starts at an identifier not preceded by `::` or `.`.
            let after_sep = i > 0 && matches!(toks[i - 1].0, Tok::Sep | Tok::Punct('.'));
            if !after_sep && matches!(toks.get(i + 1), Some((Tok::Sep, _))) {
                let mut segs = vec![first.clone()];
                let mut k = i + 1;
                while matches!(toks.get(k), Some((Tok::Sep, _))) {
                    match toks.get(k + 1) {
                        Some((Tok::Ident(s), _)) => segs.push(s.clone()),
                        _ => break,
                    }
                    k += 2;
                }
                out.push((segs, *line));
                i = k;
                continue;
            }
        }
        i += 1;
    }
    out
}

fn use_tree(toks: &[(Tok, usize)], prefix: Vec<String>, out: &mut Vec<(Vec<String>, usize)>) {
    let mut segs = prefix;
    let mut i = 0;
    while i < toks.len() {
        match &toks[i].0 {
            Tok::Ident(s) if s != "as" && s != "pub" => {
                segs.push(s.clone());
                i += 1;
            }
            Tok::Sep => i += 1,
            Tok::Punct('{') => {
                let end = block_end(toks, i);
                // Split the group at depth-0 commas.
                let inner = &toks[i + 1..end - 1];
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
        if ident(toks.get(i), "as") {
            break;
        }
    }
    if !segs.is_empty() {
        out.push((segs, toks.first().map_or(0, |t| t.1)));
    }
}

/// The deepest known module a path names from `from`, if it names one.
fn resolve(
    path: &[String],
    from: &Module,
    modules: &BTreeSet<Module>,
    glob_super: bool,
) -> Option<Module> {
    let mut base: Module = from.clone();
    let mut rest = path;
    match path.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &path[1..];
        }
        Some("self") => rest = &path[1..],
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        Some(first) => {
            let mut child = from.clone();
            child.push(first.to_string());
            let mut sibling = from[..from.len().saturating_sub(1)].to_vec();
            sibling.push(first.to_string());
            if !modules.contains(&child) {
                if glob_super && !from.is_empty() && modules.contains(&sibling) {
                    base.pop();
                } else {
                    return None;
                }
            }
        }
        None => return None,
    }
    let mut m = base;
    for s in rest {
        let mut next = m.clone();
        next.push(s.clone());
        if modules.contains(&next) {
            m = next;
        } else {
            break;
        }
    }
    Some(m)
}

/// What the checks found wrong, one line each.
pub fn check_crate(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let src = root.join("src");
    for dir in ["src", "tests", "benches"] {
        for f in rust_files(&root.join(dir)) {
            let text = std::fs::read_to_string(&f).unwrap();
            let lines = text.lines().count();
            if lines > MAX_FILE_LINES {
                problems.push(format!(
                    "{}: {lines} lines (at most {MAX_FILE_LINES})",
                    f.display()
                ));
            }
        }
    }
    let files = rust_files(&src);
    let modules: BTreeSet<Module> = files.iter().map(|f| module_of(&src, f)).collect();
    // Lifted edges, each with where it was seen.
    let mut edges: BTreeMap<(Module, Module), String> = BTreeMap::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let toks = non_test(&tokens(&text));
        for (name, line, n) in functions(&toks) {
            if n > MAX_FN_LINES {
                problems.push(format!(
                    "{}:{line}: fn {name} is {n} lines (at most {MAX_FN_LINES})",
                    f.display()
                ));
            }
        }
        let from = module_of(&src, f);
        let all = paths(&toks);
        let glob_super = all
            .iter()
            .any(|(p, _)| p == &["super".to_string(), "*".into()])
            || text.contains("use super::*;");
        for (p, line) in all {
            let Some(to) = resolve(&p, &from, &modules, glob_super) else {
                continue;
            };
            let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            if common == from.len() || common == to.len() {
                continue; // ancestor or descendant
            }
            let a = from[..=common].to_vec();
            let b = to[..=common].to_vec();
            edges
                .entry((a, b))
                .or_insert_with(|| format!("{}:{line} ({})", f.display(), p.join("::")));
        }
    }
    for cycle in cycles(&edges) {
        let names: Vec<String> = cycle.iter().map(|m| m.join("::")).collect();
        let mut seen = Vec::new();
        for w in 0..cycle.len() {
            let key = (cycle[w].clone(), cycle[(w + 1) % cycle.len()].clone());
            seen.push(format!(
                "{} -> {} at {}",
                key.0.join("::"),
                key.1.join("::"),
                edges[&key]
            ));
        }
        problems.push(format!(
            "import loop: {}\n    {}",
            names.join(" -> "),
            seen.join("\n    ")
        ));
    }
    problems
}

/// One cycle per strongly connected component with more than one module.
fn cycles(edges: &BTreeMap<(Module, Module), String>) -> Vec<Vec<Module>> {
    let mut next: BTreeMap<&Module, Vec<&Module>> = BTreeMap::new();
    for (a, b) in edges.keys() {
        next.entry(a).or_default().push(b);
    }
    let reaches = |from: &Module, to: &Module| -> Option<Vec<Module>> {
        // Breadth-first, keeping the way back.
        let mut back: BTreeMap<&Module, &Module> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([from]);
        while let Some(m) = queue.pop_front() {
            for n in next.get(m).into_iter().flatten() {
                if back.contains_key(n) || *n == from {
                    continue;
                }
                back.insert(n, m);
                if *n == to {
                    let mut way = vec![to.clone()];
                    let mut cur = to;
                    while let Some(p) = back.get(cur) {
                        if *p == from {
                            break;
                        }
                        way.push((*p).clone());
                        cur = p;
                    }
                    way.reverse();
                    return Some(way);
                }
                queue.push_back(n);
            }
        }
        None
    };
    let mut out: Vec<Vec<Module>> = Vec::new();
    let mut covered: BTreeSet<Module> = BTreeSet::new();
    for (a, b) in edges.keys() {
        if covered.contains(a) {
            continue;
        }
        if let Some(way) = reaches(b, a) {
            let mut cycle = vec![a.clone(), b.clone()];
            cycle.extend(way.into_iter().filter(|m| m != a));
            covered.extend(cycle.iter().cloned());
            out.push(cycle);
        }
    }
    out
}

/// The checker itself: a long function, a test module's size, braces in strings, a loop.
pub fn self_test() {
    let dir = std::env::temp_dir().join(format!("structure-check-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src/a")).unwrap();
    let long_body = "    let _ = 1;\n".repeat(MAX_FN_LINES);
    std::fs::write(
        dir.join("src/lib.rs"),
        format!("mod a;\nmod b;\nfn long() {{\n{long_body}}}\nfn short() {{ let _ = \"}}\"; }}\n#[cfg(test)]\nmod tests {{\n    fn long_test() {{\n{long_body}    }}\n}}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("src/a/mod.rs"),
        "mod c;\nuse crate::b::B;\npub struct A;\n",
    )
    .unwrap();
    std::fs::write(dir.join("src/a/c.rs"), "use super::*;\npub struct C;\n").unwrap();
    std::fs::write(dir.join("src/b.rs"), "pub struct B(crate::a::A);\n").unwrap();
    let found = check_crate(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(found.iter().any(|p| p.contains("fn long is")), "{found:#?}");
    assert!(!found.iter().any(|p| p.contains("long_test")), "{found:#?}");
    assert!(!found.iter().any(|p| p.contains("fn short")), "{found:#?}");
    assert!(
        found.iter().any(|p| p.starts_with("import loop: a -> b")),
        "{found:#?}"
    );
    assert_eq!(found.len(), 2, "{found:#?}");
}
