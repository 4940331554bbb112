//! Code as a book designer sets it, measured on the PDF and EPUB of the
//! generated code-heavy book: long code lines wrap at token boundaries,
//! inline code is never hyphenated nor split when short, and terminal
//! sessions carry no keyword colours.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};

use common::*;

/// Builds the code-heavy book of `chapters` chapters with the quire
/// binary; returns the folder and the paths of its PDF and EPUB.
fn build(chapters: usize) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    quire::sample::write_code_heavy_book(&dir.path().join("book"), chapters).unwrap();
    let out = run_in(dir.path(), &["build", "book", "--out", "out"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pdf = dir.path().join("out/book.pdf");
    let epub = dir.path().join("out/book.epub");
    (dir, pdf, epub)
}

/// The PDF of the code-heavy book of 20 chapters, when `pdftotext` is
/// there to read it.
fn pdf_of_twenty_chapters() -> Option<(tempfile::TempDir, PathBuf)> {
    let (dir, pdf, _) = build(20);
    have("pdftotext").then_some((dir, pdf))
}

/// The lines of the code blocks of the book's manuscript.
fn source_code_lines(chapters: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for (_, text) in quire::sample::code_heavy_book(chapters).into_iter().skip(1) {
        let mut inside = false;
        for line in text.lines() {
            if line.starts_with("```") {
                inside = !inside;
            } else if inside {
                lines.push(line.replace('\t', "    "));
            }
        }
    }
    lines
}

/// Whether a code line may end with `a` and go on with `b` at a token
/// boundary (after `,` `;` an opening bracket, `.`, `::` or an operator).
fn boundary(a: char, b: char) -> bool {
    ",;([{.:+-*/=|&<>!^%~".contains(a) || !(a.is_alphanumeric() || a == '_') || b == ' '
}

#[test]
fn long_code_lines_break_at_token_boundaries() {
    let Some((_dir, pdf)) = pdf_of_twenty_chapters() else {
        return;
    };
    let text = tool(
        "pdftotext",
        &["-layout", "-enc", "UTF-8", pdf.to_str().unwrap(), "-"],
    );
    let source = source_code_lines(20);
    let lines: Vec<&str> = text.lines().collect();
    let (mut continuations, mut inside_token, mut bad) = (0, 0, Vec::new());
    for (i, line) in lines.iter().enumerate().skip(1) {
        let Some(rest) = line.trim_start().strip_prefix('\u{2192}') else {
            continue;
        };
        continuations += 1;
        let Some(prev) = lines[..i]
            .iter()
            .rev()
            .map(|l| l.trim())
            .find(|l| !l.is_empty())
        else {
            continue;
        };
        let prev = prev.strip_prefix('\u{2192}').unwrap_or(prev).trim();
        let cont = rest.trim();
        let (Some(w1), Some(w2)) = (prev.split(' ').next_back(), cont.split(' ').next()) else {
            continue;
        };
        if w1.is_empty() || w2.is_empty() {
            continue;
        }
        // broken where the source has no space: inside a run of characters
        let joined = format!("{w1}{w2}");
        if !source.iter().any(|l| l.contains(&joined)) {
            continue;
        }
        inside_token += 1;
        let (a, b) = (w1.chars().last().unwrap(), w2.chars().next().unwrap());
        if boundary(a, b) {
            continue;
        }
        // inside an identifier: only for a token longer than the line,
        // one with no boundary before it on its line
        let chars: Vec<char> = prev.chars().collect();
        let had_boundary = chars.windows(2).any(|p| boundary(p[0], p[1]));
        if had_boundary {
            bad.push(format!("{prev} | {cont}"));
        }
    }
    assert!(continuations >= 40, "{continuations} wrapped code lines");
    assert!(inside_token >= 20, "{inside_token} breaks inside tokens");
    assert!(
        bad.is_empty(),
        "{} broken inside an identifier:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// Where `text` splits one of `ids` across a line end, at a place inline
/// code must not break: with a hyphen added, or anywhere in a short span,
/// or elsewhere than after `::`, `_`, `.`, `/` or `-` in a long one.
fn bad_code_breaks(text: &str, ids: &[&str]) -> Vec<String> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut bad = Vec::new();
    for pair in lines.windows(2) {
        let (Some(t1), Some(t2)) = (pair[0].split(' ').next_back(), pair[1].split(' ').next())
        else {
            continue;
        };
        for id in ids {
            for (k, _) in id.char_indices().skip(1) {
                let (head, tail) = id.split_at(k);
                let tail = tail.trim_start();
                let head = head.trim_end();
                if tail.is_empty() || !t2.starts_with(tail) {
                    continue;
                }
                let hyphenated = t1.ends_with(&format!("{head}-")) && !head.ends_with('-');
                let allowed = id.chars().count() >= 15
                    && (head.ends_with("::") || head.ends_with(['_', '.', '/', '-']));
                if hyphenated || (t1.ends_with(head) && !allowed) {
                    bad.push(format!("{id}: {t1} | {t2}"));
                }
            }
        }
    }
    bad
}

#[test]
fn inline_code_is_never_hyphenated_and_short_spans_stay_whole() {
    let Some((_dir, pdf)) = pdf_of_twenty_chapters() else {
        return;
    };
    let text = pdftotext(&pdf);
    let ids = quire::sample::IDENTIFIERS;
    // the check sees what it looks for
    assert!(!bad_code_breaks("the IpAd-\ndrKind type", &ids).is_empty());
    assert!(!bad_code_breaks("the Result<T,\nE> type", &ids).is_empty());
    assert!(bad_code_breaks("the std::collections::\nHashMap type", &ids).is_empty());
    for id in ids.iter().filter(|id| !id.contains(' ')) {
        assert!(text.contains(id), "{id} never set whole");
    }
    let bad = bad_code_breaks(&text, &ids);
    assert!(
        bad.is_empty(),
        "{} bad breaks:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// The XHTML files and the stylesheet of an EPUB.
fn chapters(epub: &Path) -> Vec<String> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(epub).unwrap()).unwrap();
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        if file.name().ends_with(".xhtml") || file.name().ends_with(".css") {
            let mut text = String::new();
            file.read_to_string(&mut text).unwrap();
            out.push(text);
        }
    }
    out
}

#[test]
fn sessions_have_no_keyword_colours_and_code_lines_hang_in_the_epub() {
    let (_dir, _, epub) = build(3);
    let (mut sessions, mut listings) = (0, 0);
    for chapter in chapters(&epub) {
        for block in chapter.split("<pre").skip(1) {
            let block = &block[..block.find("</pre>").unwrap()];
            // every source line is a block with a hanging indent, the
            // class of its own indentation, which it may not wrap after
            // (a line that looks blank before a token too long for a phone)
            let lines: Vec<&str> = block.split("<span class=\"line l").skip(1).collect();
            assert!(!lines.is_empty(), "{block}");
            for line in &lines {
                let (class, text) = line.split_once("\">").unwrap();
                let lead = match text.strip_prefix("<span class=\"indent\">") {
                    Some(indent) => indent.chars().take_while(|c| *c == ' ').count(),
                    None => 0,
                };
                assert!(lead > 0 || !text.starts_with(' '), "{line}");
                assert_eq!(class, lead.to_string(), "{line}");
            }
            if block.contains("language-console") {
                sessions += 1;
                let classes: Vec<&str> = block
                    .split("<span class=\"")
                    .skip(1)
                    .map(|s| &s[..s.find('"').unwrap()])
                    .filter(|c| !c.starts_with("line ") && *c != "indent")
                    .collect();
                assert!(!classes.is_empty(), "the prompt is marked: {block}");
                assert!(classes.iter().all(|c| *c == "tok-prompt"), "{block}");
            }
            if block.contains("language-rust") {
                listings += 1;
                // an indented line hangs four columns further in
                assert!(block.contains(
                    "\"line l4\"><span class=\"indent\">    </span><span class=\"tok-keyword\">let"
                ));
            }
        }
    }
    assert_eq!((sessions, listings), (3, 3));
    // an indented line hangs four columns further in
    let css = chapters(&epub).join("");
    let rules = [
        "pre .line {\n  display: block;",
        "pre .indent {\n  white-space: pre;\n}",
        "pre .l0 { padding-left: 4ch; text-indent: -4ch; }",
        "pre .l4 { padding-left: 8ch; text-indent: -8ch; }",
    ];
    let missing: Vec<&str> = rules.into_iter().filter(|r| !css.contains(r)).collect();
    assert!(missing.is_empty(), "{missing:?}");
    if let Some((errors, warnings, messages)) = epubcheck(&epub) {
        assert_eq!((errors, warnings), (0, 0), "{messages}");
    }
}

/// The words of a PDF with their boxes, from `pdftotext -bbox`:
/// `(text, x_min, y_min, x_max, height)`.
fn word_boxes(pdf: &Path) -> Vec<(String, f64, f64, f64, f64)> {
    let html = tool("pdftotext", &["-bbox", pdf.to_str().unwrap(), "-"]);
    let attr = |tag: &str, name: &str| -> f64 {
        let at = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        tag[at..at + tag[at..].find('"').unwrap()].parse().unwrap()
    };
    html.split("<word ")
        .skip(1)
        .map(|w| {
            let (tag, rest) = w.split_once('>').unwrap();
            let text = rest[..rest.find("</word>").unwrap()]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&");
            let y_min = attr(tag, "yMin");
            let height = attr(tag, "yMax") - y_min;
            (text, attr(tag, "xMin"), y_min, attr(tag, "xMax"), height)
        })
        .collect()
}

#[test]
fn spaces_inside_inline_code_keep_their_width() {
    let Some((_dir, pdf)) = pdf_of_twenty_chapters() else {
        return;
    };
    let words = word_boxes(&pdf);
    // `Result<T, E>` in justified prose: the space inside it, on every
    // line, is the same (a space of the mono face), whatever the line's
    // word spaces are stretched to (the body's size: headings, captions
    // and the contents have their own)
    let body = words.iter().find(|w| w.0 == "Vec<String>").unwrap().4;
    let gaps: Vec<f64> = words
        .windows(2)
        .filter(|w| w[0].0 == "Result<T," && w[1].0.starts_with("E>") && w[0].2 == w[1].2)
        .filter(|w| (w[0].4 - body).abs() < 0.01)
        .map(|w| w[1].1 - w[0].3)
        .collect();
    assert!(gaps.len() >= 10, "{gaps:?}");
    let (min, max) = gaps
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), g| (a.min(*g), b.max(*g)));
    assert!(max - min < 0.05, "{gaps:?}");
    // (while the prose's spaces vary from line to line)
    let prose: Vec<f64> = words
        .windows(2)
        .filter(|w| w[0].0 == "The" && w[1].0 == "type" && w[0].2 == w[1].2)
        .map(|w| w[1].1 - w[0].3)
        .collect();
    let spread = prose
        .iter()
        .fold(0.0f64, |m, g| m.max((g - prose[0]).abs()));
    assert!(spread > 0.2, "{prose:?}");
}
