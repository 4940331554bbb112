//! Rendering findings: rustc-style text with the source line and a caret
//! for people, a JSON array with stable field names for tools.
//!
//! ```text
//! warning[unused-footnote]: footnote `x` is defined but never referenced
//!  --> a.md:5:1
//!   |
//! 5 | [^x]: A note nobody cites.
//!   | ^
//! ```
//!
//! The JSON form is one array of objects
//! `{"severity", "code", "file", "line", "column", "message"}`; `line` and
//! `column` are 1-based, or `null` when unknown (README: "Diagnostics (JSON)").

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Diagnostic, Location, Severity};
use crate::manuscript;

/// Source text for the snippets: files of one manuscript folder, read on
/// demand (lossily, so a file with invalid UTF-8 still shows its line) and
/// only when they are inside the folder.
#[derive(Debug, Default)]
pub struct Sources {
    root: Option<PathBuf>,
    cache: RefCell<BTreeMap<String, Option<String>>>,
}

impl Sources {
    /// The sources of the manuscript `input` (a folder or a Markdown file,
    /// whose folder is then the root).
    pub fn for_input(input: &Path) -> Sources {
        let folder = if input.is_file() {
            match input.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            }
        } else {
            input.to_path_buf()
        };
        Sources {
            root: folder.canonicalize().ok(),
            cache: RefCell::default(),
        }
    }

    /// Line `line` (from 1) of `file`, without its line ending.
    pub fn line(&self, file: &str, line: u32) -> Option<String> {
        let root = self.root.as_ref()?;
        if line == 0 || file.is_empty() {
            return None;
        }
        let mut cache = self.cache.borrow_mut();
        let text = cache.entry(file.to_string()).or_insert_with(|| {
            let path = manuscript::resolve_inside(root, file, &Location::default()).ok()?;
            let bytes = std::fs::read(path).ok()?;
            Some(String::from_utf8_lossy(&bytes).into_owned())
        });
        let text = text.as_ref()?;
        let found = text.split('\n').nth(line as usize - 1)?;
        Some(found.trim_end_matches('\r').to_string())
    }
}

/// The severity as it is written: `error` or `warning`.
pub fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// One finding, rustc-style: a header line, the place, and the source line
/// with a caret under the column when the source can be read. Ends with a
/// blank line.
pub fn human(d: &Diagnostic, sources: &Sources) -> String {
    let mut out = format!("{}[{}]: {}\n", severity_name(d.severity), d.code, d.message);
    let loc = &d.location;
    if loc.file.is_empty() {
        out.push('\n');
        return out;
    }
    let source = sources.line(&loc.file, loc.line);
    let width = loc.line.to_string().len();
    let _ = writeln!(out, "{:width$}--> {loc}", "");
    if let Some(text) = source {
        let _ = writeln!(out, "{:width$} |", "");
        let _ = writeln!(out, "{} | {}", loc.line, text);
        if loc.column > 0 {
            let _ = writeln!(out, "{:width$} | {}^", "", caret_padding(&text, loc.column));
        }
    }
    out.push('\n');
    out
}

/// What goes before a caret under character `column` of `line`: tabs kept
/// as tabs, wide (East Asian) characters as two spaces, others as one.
fn caret_padding(line: &str, column: u32) -> String {
    let mut pad = String::new();
    for c in line.chars().take(column.saturating_sub(1) as usize) {
        match c {
            '\t' => pad.push('\t'),
            c if is_wide(c) => pad.push_str("  "),
            _ => pad.push(' '),
        }
    }
    pad
}

/// Characters a terminal shows two cells wide (the common CJK blocks).
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x20000..=0x3FFFD)
}

/// All findings, one after the other.
pub fn human_all(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    diagnostics.iter().map(|d| human(d, sources)).collect()
}

/// A one-line count: `2 errors, 1 warning`, or `no problems found`.
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = count(diagnostics, Severity::Error);
    let warnings = count(diagnostics, Severity::Warning);
    if errors + warnings == 0 {
        return "no problems found".to_string();
    }
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// How many findings have `severity`.
pub fn count(diagnostics: &[Diagnostic], severity: Severity) -> usize {
    diagnostics
        .iter()
        .filter(|d| d.severity == severity)
        .count()
}

/// A finding as it appears in the JSON form. The field names are stable.
#[derive(Debug, Serialize)]
pub struct Finding<'a> {
    /// `error` or `warning`.
    pub severity: &'static str,
    /// The stable short code, e.g. `unused-footnote`.
    pub code: &'a str,
    /// The file, relative to the manuscript folder (an absolute or given
    /// path for files outside it, e.g. a missing INPUT); empty when the
    /// finding is about no file.
    pub file: &'a str,
    /// Line, from 1; `null` when unknown.
    pub line: Option<u32>,
    /// Column in characters, from 1; `null` when unknown.
    pub column: Option<u32>,
    /// What was found.
    pub message: &'a str,
}

impl<'a> From<&'a Diagnostic> for Finding<'a> {
    fn from(d: &'a Diagnostic) -> Self {
        let known = |n: u32| (n > 0).then_some(n);
        Finding {
            severity: severity_name(d.severity),
            code: d.code,
            file: &d.location.file,
            line: known(d.location.line),
            column: if d.location.line > 0 {
                known(d.location.column)
            } else {
                None
            },
            message: &d.message,
        }
    }
}

/// The JSON form: one array of [`Finding`]s, pretty-printed, with a final
/// newline.
pub fn json(diagnostics: &[Diagnostic]) -> String {
    let findings: Vec<Finding> = diagnostics.iter().map(Finding::from).collect();
    let mut out = serde_json::to_string_pretty(&findings).unwrap_or_else(|_| "[]".to_string());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources_with(name: &str, text: &str) -> (tempfile::TempDir, Sources) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), text).unwrap();
        let sources = Sources::for_input(dir.path());
        (dir, sources)
    }

    #[test]
    fn human_form_shows_the_line_and_a_caret() {
        let (_dir, sources) = sources_with("a.md", "# A\n\nsee\there[^x]\n");
        let d = Diagnostic::error(
            "undefined-footnote",
            Location::new("a.md", 3, 9),
            "footnote reference `[^x]` has no definition",
        );
        assert_eq!(
            human(&d, &sources),
            "error[undefined-footnote]: footnote reference `[^x]` has no definition\n \
             --> a.md:3:9\n  |\n3 | see\there[^x]\n  |    \t    ^\n\n"
        );
    }

    #[test]
    fn wide_characters_take_two_cells() {
        assert_eq!(caret_padding("中文x", 3), "    ");
    }

    #[test]
    fn without_source_only_the_place() {
        let d = Diagnostic::warning("w", Location::new("gone.md", 2, 1), "m");
        assert_eq!(
            human(&d, &Sources::default()),
            "warning[w]: m\n --> gone.md:2:1\n\n"
        );
    }

    #[test]
    fn sources_outside_the_folder_are_not_read() {
        let (_dir, sources) = sources_with("a.md", "x\n");
        assert_eq!(sources.line("a.md", 1).as_deref(), Some("x"));
        assert_eq!(sources.line("../a.md", 1), None);
        assert_eq!(sources.line("/etc/passwd", 1), None);
    }

    #[test]
    fn json_has_the_stable_fields() {
        let d = Diagnostic::warning("c", Location::new("a.md", 0, 0), "m");
        let v: serde_json::Value = serde_json::from_str(&json(&[d])).unwrap();
        assert_eq!(
            v,
            serde_json::json!([{"severity": "warning", "code": "c", "file": "a.md",
                "line": null, "column": null, "message": "m"}])
        );
    }

    #[test]
    fn summary_counts() {
        assert_eq!(summary(&[]), "no problems found");
        let w = Diagnostic::warning("c", Location::default(), "m");
        assert_eq!(summary(&[w.clone(), w]), "0 errors, 2 warnings");
    }
}
