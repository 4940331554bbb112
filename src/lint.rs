//! Checks over the whole manuscript that no single stage makes by itself:
//! footnote references with no definition, heading level jumps, images
//! without alternative text or without a file; and placing the
//! typesetter's findings on a column of the source.
//!
//! Each check returns [`Diagnostic`]s; the build collects them with the
//! stages' own findings, and `quire check` reports them all.

use std::collections::BTreeMap;
use std::ops::Range;

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use crate::doc::{book_images, walk_blocks, BlockKind, Book, Pos};
use crate::error::{line_col, Diagnostic, Location};
use crate::manuscript::{self, Manuscript};
use crate::markdown;

/// Every check of this module over a read manuscript.
pub fn lint(manuscript: &Manuscript, book: &Book) -> Vec<Diagnostic> {
    use rayon::prelude::*;
    // files in parallel: this parses each again
    let mut out: Vec<Diagnostic> = manuscript
        .sources
        .par_iter()
        .flat_map_iter(|source| undefined_footnotes(&source.name, &source.text))
        .collect();
    out.extend(heading_jumps(book));
    out.extend(images(manuscript, book));
    out
}

/// Footnote references with no definition. pulldown-cmark leaves an
/// undefined `[^label]` as literal text, so the check looks for that text
/// in the text events of the source (never in code, math or HTML) and
/// reports it where it is written.
pub fn undefined_footnotes(file: &str, text: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !text.contains("[^") {
        return out;
    }
    // runs of adjacent text events, as (source range, text); pulldown-cmark
    // may split `[^x]` into several events
    let mut run: Option<(Range<usize>, String, bool)> = None;
    let mut skip = 0usize; // inside code blocks and metadata
    let flush = |run: &mut Option<(Range<usize>, String, bool)>, out: &mut Vec<Diagnostic>| {
        if let Some((range, joined, verbatim)) = run.take() {
            for (at, label) in literal_footnote_refs(&joined) {
                // the run is verbatim source: its offsets are the file's
                let offset = if verbatim {
                    range.start + at
                } else {
                    range.start
                };
                out.push(Diagnostic::error(
                    "undefined-footnote",
                    Location::at_offset(file, text, offset),
                    format!("footnote reference `[^{label}]` has no definition"),
                ));
            }
        }
    };
    for (event, range) in Parser::new_ext(text, markdown::options()).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(_) | Tag::MetadataBlock(_)) => skip += 1,
            Event::End(TagEnd::CodeBlock | TagEnd::MetadataBlock(_)) => {
                skip = skip.saturating_sub(1)
            }
            Event::Text(t) if skip == 0 => {
                let verbatim = text.get(range.clone()) == Some(&*t);
                match &mut run {
                    Some((r, joined, v)) if r.end == range.start => {
                        r.end = range.end;
                        joined.push_str(&t);
                        *v &= verbatim;
                    }
                    _ => {
                        flush(&mut run, &mut out);
                        run = Some((range, t.into_string(), verbatim));
                    }
                }
            }
            _ => flush(&mut run, &mut out),
        }
    }
    flush(&mut run, &mut out);
    out
}

/// `[^label]` in plain text: (byte offset, label) of each.
fn literal_footnote_refs(text: &str) -> Vec<(usize, &str)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("[^") {
        let start = from + i;
        let rest = &text[start + 2..];
        match rest.find(']') {
            Some(end)
                if end > 0 && !rest[..end].contains(|c: char| c.is_whitespace() || c == '[') =>
            {
                found.push((start, &rest[..end]));
                from = start + 2 + end + 1;
            }
            _ => from = start + 2,
        }
    }
    found
}

/// Headings that skip a level (an `##` followed by a `####`): screen
/// readers and the EPUB's outline expect each level to open under the one
/// above it. A chapter's own heading counts as level 1.
pub fn heading_jumps(book: &Book) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for chapter in &book.chapters {
        let mut previous = 1u8;
        walk_blocks(&chapter.blocks, &mut |block| {
            if let BlockKind::Heading { level, .. } = block.kind {
                if level > previous + 1 {
                    out.push(Diagnostic::warning(
                        "heading-level-jump",
                        location(book, block.pos),
                        format!(
                            "heading level jumps from h{previous} to h{level}; use h{} here (the EPUB sets it as h{0}, so that no level is skipped)",
                            previous + 1
                        ),
                    ));
                }
                previous = level;
            }
        });
    }
    out
}

/// Images without alternative text (a warning: readers who cannot see the
/// image get nothing), and images whose file is missing or outside the
/// manuscript folder (errors).
pub fn images(manuscript: &Manuscript, book: &Book) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut checked: BTreeMap<&str, Option<Diagnostic>> = BTreeMap::new();
    for image in book_images(book) {
        let (src, at) = (image.src, location(book, image.pos));
        // an image marked decorative needs no alternative text
        if image.alt.trim().is_empty() && !image.decorative {
            out.push(Diagnostic::warning(
                "image-without-alt",
                at.clone(),
                format!("image `{src}` has no alternative text"),
            ));
        }
        if is_url(src) {
            continue;
        }
        let problem = checked.entry(src).or_insert_with(|| {
            let path = src.split(['#', '?']).next().unwrap_or(src);
            let path = manuscript::percent_decode(path);
            match manuscript::resolve_inside(&manuscript.root, &path, &at) {
                Ok(real) if real.is_file() => None,
                Ok(_) => Some(Diagnostic::error(
                    "missing-image",
                    at.clone(),
                    format!("image `{src}` is not a file"),
                )),
                Err(e) => e.diagnostics().into_iter().next().map(|mut d| {
                    if d.code == "missing-file" {
                        d.code = "missing-image";
                        d.message = format!("image `{src}` does not exist");
                    }
                    d
                }),
            }
        });
        if let Some(d) = problem {
            let mut d = d.clone();
            d.location = at;
            out.push(d);
        }
    }
    out
}

/// `https://…`, `mailto:…`, `data:…`: anything with a scheme.
fn is_url(src: &str) -> bool {
    match src.split_once(':') {
        Some((scheme, _)) => {
            scheme.len() > 1
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        }
        None => false,
    }
}

fn location(book: &Book, pos: Pos) -> Location {
    Location::new(book.file_name(pos), pos.line, pos.col)
}

/// Gives the typesetter's findings, which know only the line a block starts
/// on, a column: a missing glyph points at the first place the character
/// is written from that line on; an overfull line at the start of its
/// paragraph (the first non-blank character of the line).
pub fn place(diagnostics: &mut [Diagnostic], manuscript: &Manuscript) {
    for d in diagnostics.iter_mut() {
        if d.location.line == 0 || d.location.column != 0 {
            continue;
        }
        let Some(source) = manuscript
            .sources
            .iter()
            .find(|s| s.name == d.location.file)
        else {
            continue;
        };
        let text = &source.text;
        let line_start = text
            .split_inclusive('\n')
            .take(d.location.line as usize - 1)
            .map(str::len)
            .sum::<usize>();
        if line_start > text.len() {
            continue;
        }
        let wanted = match d.code {
            "missing-glyph" => d.message.split('(').nth(1).and_then(|rest| {
                let hex = rest.strip_prefix("U+")?.split(')').next()?;
                char::from_u32(u32::from_str_radix(hex, 16).ok()?)
            }),
            _ => None,
        };
        let offset = match wanted {
            Some(c) => text[line_start..].find(c).map(|i| line_start + i),
            None => text[line_start..]
                .find(|c: char| !c.is_whitespace())
                .map(|i| line_start + i),
        };
        if let Some(offset) = offset {
            let (line, column) = line_col(text, offset);
            d.location.line = line;
            d.location.column = column;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_literal_footnote_references() {
        let text = "# A\n\nOne[^a] and two[^b].\n\n[^a]: Note.\n\n`[^c]` is code.\n";
        let found = undefined_footnotes("a.md", text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].location, Location::new("a.md", 3, 16));
        assert!(found[0].message.contains("`[^b]`"));
    }

    #[test]
    fn literal_refs_need_a_label() {
        assert_eq!(
            literal_footnote_refs("[^] x [^a b] [^ok]"),
            vec![(13, "ok")]
        );
    }

    #[test]
    fn urls_have_schemes() {
        assert!(is_url("https://example.com/x.png"));
        assert!(is_url("data:image/png;base64,xx"));
        assert!(!is_url("images/x.png"));
        assert!(!is_url("C:x.png"));
    }

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(manuscript::percent_decode("my%20image.png"), "my image.png");
        assert_eq!(manuscript::percent_decode("100%"), "100%");
        assert_eq!(manuscript::percent_decode("%zz"), "%zz");
    }
}
