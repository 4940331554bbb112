//! mdBook projects as input: the book's structure from `SUMMARY.md`, and
//! the directives of mdBook's `links` preprocessor (`{{#include}}`,
//! `{{#rustdoc_include}}`, `{{#playground}}`, `{{#title}}`).
//!
//! The rules are mdBook's own, as its user guide describes them
//! (<https://rust-lang.github.io/mdBook/format/summary.html> and
//! `format/mdbook.html`): prefix chapters before the first list are front
//! matter, list items are numbered chapters (nested items are sub-chapters,
//! which print as sections of their chapter), `# Title` lines between lists
//! are part titles, `[Title]()` is a draft left out, `---` separates, and
//! links after the last list are suffix chapters (back matter).

use std::collections::BTreeMap;
use std::path::Path;

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

use crate::doc::Division;
use crate::error::{line_col, Diagnostic, Error, Location};
use crate::manuscript::{percent_decode, read_text, resolve_inside};

/// The name of mdBook's table of contents, in the source folder.
pub const SUMMARY: &str = "SUMMARY.md";

/// One entry of `SUMMARY.md`.
#[derive(Clone, Debug, PartialEq)]
pub enum Entry {
    /// A part title (`# Title` between the lists of numbered chapters).
    Part {
        /// The title as written.
        title: String,
        /// Where it is written in SUMMARY.md (line, column).
        at: (u32, u32),
    },
    /// A chapter file.
    Chapter {
        /// The title given in the summary (the file's own first heading wins).
        title: String,
        /// The file, relative to the book folder (`src/ch01.md`).
        file: String,
        /// Front matter (prefix), body (numbered) or back matter (suffix).
        division: Division,
        /// 0 for a chapter; 1, 2 … for nested sub-chapters, which are
        /// sections of the chapter above them.
        depth: u8,
        /// Where it is written in SUMMARY.md (line, column).
        at: (u32, u32),
    },
}

/// What `SUMMARY.md` says: the entries in reading order, and notes about
/// what was left out (drafts).
#[derive(Debug, Default)]
pub struct Summary {
    /// The entries, in reading order.
    pub entries: Vec<Entry>,
    /// Notes (drafts left out).
    pub notes: Vec<Diagnostic>,
}

/// Reads `SUMMARY.md` (`text`, named `name` in diagnostics, e.g.
/// `src/SUMMARY.md`); chapter paths are made relative to the book folder
/// by prefixing `src_dir` (`src`, or `""`).
pub fn parse_summary(name: &str, text: &str, src_dir: &str) -> Summary {
    #[derive(PartialEq)]
    enum Where {
        Before,
        InLists,
    }
    let mut summary = Summary::default();
    let mut state = Where::Before;
    let mut list_depth = 0u8;
    // drafts that have children: their children move up a level
    let mut draft_depths: Vec<u8> = Vec::new();
    let mut heading: Option<(String, usize)> = None;
    let mut link: Option<(String, String, usize)> = None;
    let mut seen_heading = false;
    // paragraph-level links after the last list: held until another list
    // shows they were not the suffix after all
    let mut pending_suffix: Vec<Entry> = Vec::new();
    let at = |offset: usize| line_col(text, offset);
    for (event, range) in Parser::new(text).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some((String::new(), range.start)),
            Event::End(TagEnd::Heading(level)) => {
                let (title, offset) = heading.take().unwrap_or_default();
                let first =
                    !seen_heading && summary.entries.is_empty() && level == HeadingLevel::H1;
                seen_heading = true;
                if first && state == Where::Before {
                    continue; // the summary's own title ("# Summary")
                }
                summary.entries.append(&mut pending_suffix);
                summary.entries.push(Entry::Part {
                    title: title.trim().to_string(),
                    at: at(offset),
                });
            }
            Event::Start(Tag::List(_)) => {
                if list_depth == 0 {
                    // paragraphs between lists are body chapters, not suffix
                    for mut entry in pending_suffix.drain(..) {
                        if let Entry::Chapter { division, .. } = &mut entry {
                            *division = Division::Chapter;
                        }
                        summary.entries.push(entry);
                    }
                }
                state = Where::InLists;
                list_depth += 1;
            }
            Event::End(TagEnd::List(_)) => {
                list_depth = list_depth.saturating_sub(1);
                draft_depths.retain(|&d| d < list_depth);
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                link = Some((dest_url.into_string(), String::new(), range.start));
            }
            Event::End(TagEnd::Link) => {
                let Some((url, title, offset)) = link.take() else {
                    continue;
                };
                let title = title.trim().to_string();
                let place = at(offset);
                if url.trim().is_empty() {
                    summary.notes.push(Diagnostic::info(
                        "draft-chapter",
                        Location::new(name, place.0, place.1),
                        format!("`{title}` is a draft chapter (no file); it is left out"),
                    ));
                    if list_depth > 0 {
                        draft_depths.push(list_depth);
                    }
                    continue;
                }
                let file = chapter_path(src_dir, &url);
                let depth = list_depth.saturating_sub(1);
                // children of a draft stand in its place
                let depth = depth
                    .saturating_sub(draft_depths.iter().filter(|&&d| d <= depth).count() as u8);
                let entry = Entry::Chapter {
                    title,
                    file,
                    division: match (&state, list_depth) {
                        (Where::Before, _) => Division::Front,
                        (Where::InLists, 0) => Division::Back,
                        _ => Division::Chapter,
                    },
                    depth,
                    at: place,
                };
                if list_depth == 0 && state == Where::InLists {
                    pending_suffix.push(entry);
                } else {
                    summary.entries.push(entry);
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, title, _)) = &mut link {
                    title.push_str(&t);
                } else if let Some((title, _)) = &mut heading {
                    title.push_str(&t);
                }
            }
            _ => {}
        }
    }
    summary.entries.append(&mut pending_suffix);
    summary
}

/// `url` from SUMMARY.md as a path relative to the book folder.
fn chapter_path(src_dir: &str, url: &str) -> String {
    let url = url.split('#').next().unwrap_or("");
    let decoded = percent_decode(url);
    let joined = if src_dir.is_empty() || src_dir == "." {
        decoded
    } else {
        format!("{}/{decoded}", src_dir.trim_end_matches('/'))
    };
    normalize(&joined).unwrap_or(joined)
}

/// A relative path with `.` and `..` worked out (`a/./b/../c` → `a/c`);
/// `None` when it climbs above its start (or is absolute).
pub fn normalize(path: &str) -> Option<String> {
    if path.starts_with('/') || path.contains('\\') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// `name` relative to the folder of `file` (both relative to the book
/// folder, with `/`), normalised; `None` when it leaves the book folder.
pub fn relative_to(file: &str, name: &str) -> Option<String> {
    let dir = match file.rfind('/') {
        Some(i) => &file[..i],
        None => "",
    };
    if dir.is_empty() {
        normalize(name)
    } else {
        normalize(&format!("{dir}/{name}"))
    }
}

/// Where a line of expanded text came from: a file (index into the
/// manuscript's files) and its line.
pub type Origin = (u32, u32);

/// Text with `{{#include}}` and its kin worked in, and where each line of it
/// came from.
#[derive(Debug, Default)]
pub struct Expanded {
    /// The text.
    pub text: String,
    /// One origin per line of `text`.
    pub lines: Vec<Origin>,
}

/// The files directives read, shared by every chapter of a book.
#[derive(Debug, Default)]
pub struct Includes {
    /// Names of the files read through directives, in the order first read;
    /// a file's index in the manuscript is `first_index + ` its place here.
    pub names: Vec<String>,
    /// Their texts.
    texts: BTreeMap<String, String>,
    /// Index of the first included file among all the manuscript's files.
    pub first_index: u32,
    /// Errors and warnings found (a missing file, a cycle, an unknown anchor).
    pub diagnostics: Vec<Diagnostic>,
}

/// How deep includes may nest (mdBook's own limit).
const MAX_INCLUDE_DEPTH: usize = 10;

impl Includes {
    /// A new set whose first file will be number `first_index`.
    pub fn new(first_index: u32) -> Self {
        Includes {
            first_index,
            ..Includes::default()
        }
    }

    /// The index of `name` among the manuscript's files (a chapter's own
    /// index when it is one of `chapters`).
    fn index_of(&mut self, name: &str, chapters: &[String]) -> u32 {
        if let Some(i) = chapters.iter().position(|c| c == name) {
            return i as u32;
        }
        match self.names.iter().position(|n| n == name) {
            Some(i) => self.first_index + i as u32,
            None => {
                self.names.push(name.to_string());
                self.first_index + self.names.len() as u32 - 1
            }
        }
    }

    /// Expands the directives in `text`, the file `name` (file number
    /// `index`); `chapters` are the chapter files' names.
    pub fn expand(
        &mut self,
        root: &Path,
        name: &str,
        index: u32,
        text: &str,
        chapters: &[String],
    ) -> Expanded {
        let mut out = Builder::default();
        let mut stack = vec![name.to_string()];
        self.expand_into(root, name, index, text, 1, chapters, &mut stack, &mut out);
        out.finish()
    }

    #[allow(clippy::too_many_arguments)]
    fn expand_into(
        &mut self,
        root: &Path,
        name: &str,
        index: u32,
        text: &str,
        first_line: u32,
        chapters: &[String],
        stack: &mut Vec<String>,
        out: &mut Builder,
    ) {
        let mut line = first_line;
        let mut rest = text;
        while let Some(found) = rest.find("{{") {
            let before = &rest[..found];
            let after = &rest[found..];
            let escaped = before.ends_with('\\');
            let Some(directive) = parse_directive(after) else {
                out.push(&rest[..found + 2], (index, line));
                line += count_lines(&rest[..found + 2]);
                rest = &rest[found + 2..];
                continue;
            };
            if escaped {
                // `\{{#include x}}` is the directive's text, without the backslash
                out.push(&before[..before.len() - 1], (index, line));
                out.push(&after[..directive.len], (index, line + count_lines(before)));
            } else {
                out.push(before, (index, line));
                let at_line = line + count_lines(before);
                let at_col = before.rsplit('\n').next().unwrap_or("").chars().count() as u32 + 1;
                let location = Location::new(name, at_line, at_col);
                self.directive(root, name, &directive, &location, chapters, stack, out);
            }
            let used = found + directive.len;
            line += count_lines(&rest[..used]);
            rest = &rest[used..];
        }
        out.push(rest, (index, line));
    }

    #[allow(clippy::too_many_arguments)]
    fn directive(
        &mut self,
        root: &Path,
        from: &str,
        directive: &Directive,
        location: &Location,
        chapters: &[String],
        stack: &mut Vec<String>,
        out: &mut Builder,
    ) {
        if directive.kind == "title" {
            return; // sets the HTML page's title: nothing to print
        }
        let (path, selection) = split_selection(&directive.args);
        let Some(target) = relative_to(from, &percent_decode(path)) else {
            self.diagnostics.push(Diagnostic::error(
                "outside-folder",
                location.clone(),
                format!("`{path}` is outside the manuscript folder"),
            ));
            return;
        };
        if stack.contains(&target) || stack.len() > MAX_INCLUDE_DEPTH {
            let mut chain = stack.clone();
            chain.push(target.clone());
            self.diagnostics.push(Diagnostic::error(
                "include-cycle",
                location.clone(),
                format!(
                    "`{{{{#{}}}}}` includes itself: {}",
                    directive.kind,
                    chain.join(" → ")
                ),
            ));
            return;
        }
        let text = match self.read(root, &target, location) {
            Ok(text) => text,
            Err(e) => {
                self.diagnostics.push(match e {
                    Error::Input {
                        location,
                        code,
                        message,
                    } => Diagnostic::error(code, location, message),
                    other => Diagnostic::error("missing-file", location.clone(), other.to_string()),
                });
                return;
            }
        };
        let file_index = self.index_of(&target, chapters);
        // the lines chosen, with their line numbers in the file
        let lines: Vec<(u32, &str)> = text
            .split_inclusive('\n')
            .enumerate()
            .map(|(i, l)| (i as u32 + 1, l))
            .collect();
        let chosen = match select(&lines, &selection) {
            Ok(chosen) => chosen,
            Err(message) => {
                self.diagnostics.push(Diagnostic::error(
                    "missing-anchor",
                    location.clone(),
                    format!("`{path}`: {message}"),
                ));
                return;
            }
        };
        let hide_rest = directive.kind == "rustdoc_include";
        let mut body = Builder::default();
        for &(number, line) in &lines {
            if is_anchor_line(line) {
                continue;
            }
            let keep = chosen.contains(&number);
            if keep {
                body.push(line, (file_index, number));
            } else if hide_rest {
                // mdBook hides the rest of the file as Rust's hidden lines
                let line = line.trim_end_matches('\n');
                let hidden = if line.trim().is_empty() {
                    "#\n".to_string()
                } else {
                    format!("# {line}\n")
                };
                body.push(&hidden, (file_index, number));
            }
        }
        let mut body = body.finish();
        // mdBook leaves out the last line's newline, so that a directive
        // inside a code fence ends where the fence's next line starts
        if body.text.ends_with('\n') {
            body.text.pop(); // (the last line loses its ending, not its origin)
        }
        if directive.kind == "playground" {
            out.push("```rust\n", (file_index, 1));
        }
        // directives inside what was included are worked in too
        stack.push(target.clone());
        let mut nested = Builder::default();
        self.expand_lines(root, &target, &body, chapters, stack, &mut nested);
        stack.pop();
        out.append(nested.finish());
        if directive.kind == "playground" {
            out.push("\n```", (file_index, 1));
        }
    }

    /// Expands `body` (already a selection of `file`'s lines) line by line,
    /// keeping each line's own origin.
    #[allow(clippy::too_many_arguments)]
    fn expand_lines(
        &mut self,
        root: &Path,
        file: &str,
        body: &Expanded,
        chapters: &[String],
        stack: &mut Vec<String>,
        out: &mut Builder,
    ) {
        for (line, origin) in body.text.split_inclusive('\n').zip(body.lines.iter()) {
            if line.contains("{{") {
                self.expand_into(root, file, origin.0, line, origin.1, chapters, stack, out);
            } else {
                out.push(line, *origin);
            }
        }
    }

    fn read(
        &mut self,
        root: &Path,
        name: &str,
        location: &Location,
    ) -> crate::error::Result<String> {
        if let Some(text) = self.texts.get(name) {
            return Ok(text.clone());
        }
        let path = resolve_inside(root, name, location)?;
        if !path.is_file() {
            return Err(
                Error::input(location.clone(), format!("`{name}` is not a file"))
                    .with_code("missing-file"),
            );
        }
        // read as chapters are: invalid UTF-8 is an error naming the byte
        let text = read_text(&path, name)?.replace("\r\n", "\n");
        self.texts.insert(name.to_string(), text.clone());
        Ok(text)
    }
}

/// Builds expanded text line by line, recording where each line started.
#[derive(Default)]
struct Builder {
    text: String,
    lines: Vec<Origin>,
}

impl Builder {
    /// Appends `s`, whose first character is on line `origin.1` of file
    /// `origin.0` (later lines of `s` follow on from it).
    fn push(&mut self, s: &str, origin: Origin) {
        if s.is_empty() {
            return;
        }
        for (line, piece) in (origin.1..).zip(s.split_inclusive('\n')) {
            if self.text.is_empty() || self.text.ends_with('\n') {
                self.lines.push((origin.0, line));
            }
            self.text.push_str(piece);
        }
    }

    fn append(&mut self, other: Expanded) {
        let mut origins = other.lines.into_iter();
        for piece in other.text.split_inclusive('\n') {
            let origin = origins.next().unwrap_or((0, 0));
            self.push(piece, origin);
        }
    }

    fn finish(self) -> Expanded {
        Expanded {
            text: self.text,
            lines: self.lines,
        }
    }
}

fn count_lines(s: &str) -> u32 {
    s.bytes().filter(|&b| b == b'\n').count() as u32
}

/// A directive `{{#kind args}}` at the start of a text.
struct Directive {
    kind: &'static str,
    args: String,
    /// Its length in bytes, braces included.
    len: usize,
}

fn parse_directive(s: &str) -> Option<Directive> {
    let inner = s.strip_prefix("{{")?;
    let end = inner.find("}}")?;
    let body = &inner[..end];
    if body.contains('\n') {
        return None;
    }
    let body = body.trim_start().strip_prefix('#')?;
    let (name, args) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
    let kind = match name {
        "include" => "include",
        "rustdoc_include" => "rustdoc_include",
        "playground" => "playground",
        "title" => "title",
        _ => return None,
    };
    // `{{#playground file.rs editable}}`: the file is the first word
    let args = args.split_whitespace().next().unwrap_or("").to_string();
    if args.is_empty() && kind != "title" {
        return None;
    }
    Some(Directive {
        kind,
        args,
        len: 2 + end + 2,
    })
}

/// What part of a file a directive takes.
#[derive(Debug, PartialEq)]
enum Selection {
    All,
    /// First and last line, 1-based, inclusive.
    Lines(u32, u32),
    Anchor(String),
}

/// `path:10:20`, `path::20`, `path:10:`, `path:10`, `path:anchor`.
fn split_selection(args: &str) -> (&str, Selection) {
    let Some((path, rest)) = args.split_once(':') else {
        return (args, Selection::All);
    };
    let number = |s: &str| s.trim().parse::<u32>().ok();
    let selection = match rest.split_once(':') {
        Some((a, b)) => {
            let from = if a.trim().is_empty() {
                Some(1)
            } else {
                number(a)
            };
            let to = if b.trim().is_empty() {
                Some(u32::MAX)
            } else {
                number(b)
            };
            match (from, to) {
                (Some(f), Some(t)) => Selection::Lines(f.max(1), t),
                _ => Selection::All,
            }
        }
        None => match number(rest) {
            Some(n) => Selection::Lines(n.max(1), n.max(1)),
            None if rest.trim().is_empty() => Selection::All,
            None => Selection::Anchor(rest.trim().to_string()),
        },
    };
    (path, selection)
}

/// The line numbers a selection takes.
fn select(lines: &[(u32, &str)], selection: &Selection) -> Result<Vec<u32>, String> {
    Ok(match selection {
        Selection::All => lines.iter().map(|l| l.0).collect(),
        Selection::Lines(from, to) => lines
            .iter()
            .map(|l| l.0)
            .filter(|n| n >= from && n <= to)
            .collect(),
        Selection::Anchor(name) => {
            let start = lines
                .iter()
                .position(|(_, l)| anchor_name(l, "ANCHOR:") == Some(name.as_str()))
                .ok_or_else(|| format!("no `ANCHOR: {name}` in the file"))?;
            let end = lines[start..]
                .iter()
                .position(|(_, l)| anchor_name(l, "ANCHOR_END:") == Some(name.as_str()))
                .map_or(lines.len(), |e| start + e);
            lines[start + 1..end].iter().map(|l| l.0).collect()
        }
    })
}

/// The anchor a line opens or closes (`// ANCHOR: name`), by `marker`.
fn anchor_name<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let at = line.find(marker)?;
    if marker == "ANCHOR:" && line[..at].ends_with('_') {
        return None; // that is `ANCHOR_END:`
    }
    let rest = line[at + marker.len()..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// Whether a line is an anchor marker (removed wherever it is included).
fn is_anchor_line(line: &str) -> bool {
    anchor_name(line, "ANCHOR:").is_some() || anchor_name(line, "ANCHOR_END:").is_some()
}

/// mdBook's hidden lines in a Rust code block: a line that is `#` alone or
/// starts with `# ` (after indentation) is left out of print; `##` at the
/// start stands for a literal `#`.
pub fn strip_hidden_lines(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    for line in code.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let trimmed = body.trim_start();
        if trimmed == "#" || trimmed.starts_with("# ") {
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("##") {
            let indent = &body[..body.len() - trimmed.len()];
            out.push_str(indent);
            out.push('#');
            out.push_str(rest);
            if line.ends_with('\n') {
                out.push('\n');
            }
            continue;
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_gives_prefix_numbered_nested_parts_drafts_and_suffix() {
        let text = "# Summary\n\n[Foreword](foreword.md)\n\n---\n\n# Getting started\n\n- [Install](ch01.md)\n  - [On Linux](ch01-01.md)\n  - [Draft]()\n- [Hello](ch02.md)\n\n# Reference\n\n- [Syntax](ref/syntax.md)\n\n---\n\n[Appendix](appendix.md)\n";
        let summary = parse_summary("src/SUMMARY.md", text, "src");
        let got: Vec<String> = summary
            .entries
            .iter()
            .map(|e| match e {
                Entry::Part { title, .. } => format!("part {title}"),
                Entry::Chapter {
                    file,
                    division,
                    depth,
                    ..
                } => format!("{file} {division:?} {depth}"),
            })
            .collect();
        assert_eq!(
            got,
            [
                "src/foreword.md Front 0",
                "part Getting started",
                "src/ch01.md Chapter 0",
                "src/ch01-01.md Chapter 1",
                "src/ch02.md Chapter 0",
                "part Reference",
                "src/ref/syntax.md Chapter 0",
                "src/appendix.md Back 0",
            ]
        );
        assert_eq!(summary.notes.len(), 1);
        assert!(
            summary.notes[0].to_string().contains("src/SUMMARY.md:11:5"),
            "{}",
            summary.notes[0]
        );
    }

    #[test]
    fn selections() {
        assert_eq!(split_selection("a.rs"), ("a.rs", Selection::All));
        assert_eq!(split_selection("a.rs:2"), ("a.rs", Selection::Lines(2, 2)));
        assert_eq!(split_selection("a.rs::3"), ("a.rs", Selection::Lines(1, 3)));
        assert_eq!(
            split_selection("a.rs:2:"),
            ("a.rs", Selection::Lines(2, u32::MAX))
        );
        assert_eq!(
            split_selection("a.rs:2:4"),
            ("a.rs", Selection::Lines(2, 4))
        );
        assert_eq!(
            split_selection("a.rs:here"),
            ("a.rs", Selection::Anchor("here".into()))
        );
    }

    #[test]
    fn includes_anchors_ranges_and_origins() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("src/listings")).unwrap();
        std::fs::write(
            root.join("src/listings/main.rs"),
            "// ANCHOR: all\nuse std::io;\n// ANCHOR: body\nfn main() {}\n// ANCHOR_END: body\n// ANCHOR_END: all\n",
        )
        .unwrap();
        let chapters = vec!["src/ch.md".to_string()];
        let mut includes = Includes::new(1);
        let text = "A\n```rust\n{{#include listings/main.rs:body}}\n```\n\\{{#include x.rs}}\n{{#include listings/main.rs::2}}\n";
        let out = includes.expand(&root, "src/ch.md", 0, text, &chapters);
        assert_eq!(
            out.text,
            "A\n```rust\nfn main() {}\n```\n{{#include x.rs}}\nuse std::io;\n"
        );
        assert_eq!(out.lines, [(0, 1), (0, 2), (1, 4), (0, 4), (0, 5), (1, 2)]);
        assert!(
            includes.diagnostics.is_empty(),
            "{:?}",
            includes.diagnostics
        );
        // whole file: anchor lines removed
        let out = includes.expand(
            &root,
            "src/ch.md",
            0,
            "{{#include listings/main.rs}}\n",
            &chapters,
        );
        assert_eq!(out.text, "use std::io;\nfn main() {}\n");
        // rustdoc_include hides the rest
        let out = includes.expand(
            &root,
            "src/ch.md",
            0,
            "{{#rustdoc_include listings/main.rs:body}}",
            &chapters,
        );
        assert_eq!(out.text, "# use std::io;\nfn main() {}");
        // missing file, unknown anchor, escape from the folder
        let text = "x {{#include nope.rs}}\n{{#include listings/main.rs:nope}}\n{{#include ../../etc/passwd}}\n";
        includes.expand(&root, "src/ch.md", 0, text, &chapters);
        let found: Vec<String> = includes.diagnostics.iter().map(|d| d.to_string()).collect();
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].contains("src/ch.md:1:3"), "{found:?}");
        assert!(
            found[1].contains("src/ch.md:2:1") && found[1].contains("ANCHOR: nope"),
            "{found:?}"
        );
        assert!(found[2].contains("outside"), "{found:?}");
    }

    #[test]
    fn an_included_file_that_is_not_utf8_is_an_error_naming_the_byte() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join("bad.rs"), b"ok\n\xff\n").unwrap();
        let mut includes = Includes::new(1);
        includes.expand(
            &root,
            "a.md",
            0,
            "{{#include bad.rs}}\n",
            &["a.md".to_string()],
        );
        let found: Vec<String> = includes.diagnostics.iter().map(|d| d.to_string()).collect();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("invalid-utf8") && found[0].contains("bad.rs:2:1"),
            "{found:?}"
        );
    }

    #[test]
    fn include_cycles_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join("a.md"), "{{#include b.md}}\n").unwrap();
        std::fs::write(root.join("b.md"), "B {{#include a.md}}\n").unwrap();
        let mut includes = Includes::new(1);
        includes.expand(
            &root,
            "a.md",
            0,
            "{{#include b.md}}\n",
            &["a.md".to_string()],
        );
        let found: Vec<String> = includes.diagnostics.iter().map(|d| d.to_string()).collect();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("a.md → b.md → a.md"), "{found:?}");
    }

    #[test]
    fn hidden_lines() {
        assert_eq!(
            strip_hidden_lines("# use x;\n#\nfn main() {\n    # let a = 1;\n    ##[derive]\n}\n"),
            "fn main() {\n    #[derive]\n}\n"
        );
    }
}
