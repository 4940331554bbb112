//! The EPUB's page-list tells the truth: on a generated 100-chapter book
//! whose code blocks, tables, lists and notes are long enough for pages to
//! start inside them, the text that follows every page-break marker of the
//! EPUB is the text that starts that page of the PDF.
//!
//! How the two are compared, page by page:
//!
//! - the PDF page's text is `pdftotext -layout` of that page; its first line
//!   is the running head (with the folio) on every page but a chapter's
//!   opening (whose marker is at the start of the chapter's section), and
//!   is left out (the test checks that it holds the folio);
//! - what print adds at a page's top and the EPUB does not have is left
//!   out too: a table's header, repeated above the rows that continue on a
//!   page (when the marker is in the table's body), the label of a list
//!   item (when the marker opens the item), the arrow that starts a wrapped
//!   code line;
//! - the EPUB's text is the document after the marker, tags dropped;
//! - words are compared with their hyphens taken out, line-end hyphens
//!   joined (print hyphenates, the EPUB does not), and the first four
//!   words must match but for one thing: a page that starts with the second
//!   half of a word (hyphenated, or a wrapped code line) starts with the
//!   end of the EPUB's first word. Words are taken up to a wrapped code
//!   line's continuation (where print cuts a word anywhere);
//! - a blank page (a verso before a chapter opening) has no text: its
//!   marker must be followed by the next page's, with no text between.

mod common;

use std::collections::HashMap;

use common::*;

/// Words compared per page.
const N: usize = 4;

/// `text` with tags dropped: block ends and cells become spaces, entities
/// decoded, the numbers of notes as print sets them (no period), the
/// back-links (which print does not have) left out.
fn strip(xhtml: &str) -> String {
    let mut out = String::new();
    let mut rest = xhtml;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        // (a slice may end inside a tag: the marker's own)
        let Some(close) = rest[open..].find('>').map(|c| open + c) else {
            rest = "";
            break;
        };
        let tag = &rest[open + 1..close];
        rest = &rest[close + 1..];
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        if tag.contains("class=\"backlink\"") {
            rest = &rest[rest.find("</a>").expect("a closed link") + 4..];
            continue;
        }
        if tag.contains("class=\"note-number\"") {
            let end = rest.find("</").unwrap();
            out.push_str(rest[..end].trim_end_matches('.'));
            out.push(' ');
            rest = &rest[end..];
            continue;
        }
        if tag == "li" {
            // where print sets a list item's label
            out.push_str(" \u{1} ");
            continue;
        }
        if matches!(
            name,
            "p" | "li"
                | "td"
                | "th"
                | "tr"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
                | "div"
                | "dt"
                | "dd"
                | "caption"
                | "figcaption"
                | "br"
                | "aside"
                | "blockquote"
                | "section"
                | "pre"
                | "ul"
                | "ol"
                | "table"
                | "figure"
        ) {
            out.push(' ');
        }
    }
    out.push_str(rest);
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
}

/// Whether a printed word is a list item's label (a bullet, `3.`, `b.`,
/// `iv.`, `(2)`).
fn is_label(word: &str) -> bool {
    let stem = word
        .strip_suffix('.')
        .or_else(|| word.strip_prefix('(').and_then(|w| w.strip_suffix(')')));
    word == "\u{2022}"
        || stem.is_some_and(|s| {
            !s.is_empty()
                && (s.chars().all(|c| c.is_ascii_digit())
                    || s.chars().count() == 1 && s.chars().all(char::is_alphabetic)
                    || s.chars().all(|c| "ivxlcdm".contains(c)))
        })
}

/// A word as compared: without hyphens.
fn norm(word: &str) -> String {
    word.chars()
        .filter(|&c| c != '-' && c != '\u{ad}')
        .collect()
}

/// The words of a PDF page's lines, line-end hyphens joined: past `want`
/// words, or up to a wrapped code line's continuation.
fn pdf_words(lines: &[&str], want: usize) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut join = false;
    for (i, line) in lines.iter().enumerate() {
        let mut tokens: Vec<&str> = line.split_whitespace().collect();
        if tokens.first() == Some(&"\u{2192}") {
            if i > 0 {
                break; // a wrapped code line: print cut a word anywhere
            }
            tokens.remove(0);
        }
        for (k, t) in tokens.iter().enumerate() {
            if join && k == 0 {
                let last = words.last_mut().unwrap();
                last.push_str(t);
            } else {
                words.push(t.to_string());
            }
        }
        join = tokens.last().is_some_and(|t| {
            t.ends_with('-') && t.chars().rev().nth(1).is_some_and(char::is_alphabetic)
        });
        if words.len() > want {
            break;
        }
    }
    words
}

#[test]
fn every_page_list_marker_is_where_its_printed_page_starts() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("book");
    quire::sample::write_long_blocks_book(&book, 100).unwrap();
    let out = run_in(dir.path(), &["build", "book", "--out", "out"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pdf = dir.path().join("out/book.pdf");
    let epub = dir.path().join("out/book.epub");
    // markers inside <pre>, <td>, <caption> and notes keep the EPUB valid
    if let Some((errors, warnings, messages)) = epubcheck(&epub) {
        assert_eq!((errors, warnings), (0, 0), "{messages}");
    }
    if !have("pdftotext") {
        return;
    }
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&epub).unwrap()).unwrap();
    let mut docs: HashMap<String, String> = HashMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().to_string();
        if name.ends_with(".xhtml") {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
            docs.insert(name.trim_start_matches("OEBPS/").to_string(), text);
        }
    }
    let nav = &docs["nav.xhtml"];
    let list = nav.split("epub:type=\"page-list\"").nth(1).unwrap();
    let entries: Vec<(String, String, String)> = list
        .split("<a href=\"")
        .skip(1)
        .map(|a| {
            let (href, rest) = a.split_once('"').unwrap();
            let (file, id) = href.split_once('#').unwrap();
            let label = rest[1..].split('<').next().unwrap();
            (file.to_string(), id.to_string(), label.to_string())
        })
        .collect();
    let text = tool(
        "pdftotext",
        &["-layout", "-enc", "UTF-8", pdf.to_str().unwrap(), "-"],
    );
    let pages: Vec<&str> = text.split('\u{c}').collect();
    // the body pages are the last ones (the page-list has one entry each)
    let front = pages.len() - 1 - entries.len();
    assert!(entries.len() > 500, "{} pages", entries.len());
    let mut checked = [0usize; 6];
    let mut wrong = Vec::new();
    for (k, (file, id, label)) in entries.iter().enumerate() {
        let doc = &docs[file];
        let at = doc
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("page {label}: no marker {id} in {file}"));
        let marker_end = at + doc[at..].find("</span>").unwrap() + "</span>".len();
        let before = &doc[..at];
        let after = &doc[marker_end..];
        let page = pages[front + k];
        let lines: Vec<&str> = page.lines().filter(|l| !l.trim().is_empty()).collect();
        if lines.is_empty() {
            // a blank page: the next page's marker follows at once
            let next = after.find("epub:type=\"pagebreak\"").unwrap_or(after.len());
            let between = strip(&after[..next]);
            assert!(
                between.trim().trim_end_matches("<span").trim().is_empty(),
                "page {label} is blank in print, but the EPUB has `{}` after its marker",
                between.trim()
            );
            checked[0] += 1;
            continue;
        }
        let opening = after
            .trim_start()
            .starts_with("<span epub:type=\"pagebreak\"")
            && strip(&after[..after.find("<h1").unwrap_or(0)])
                .trim()
                .is_empty()
            || after.trim_start().starts_with("<h1");
        let mut lines = lines.as_slice();
        if !opening {
            let head = lines[0].split_whitespace().collect::<Vec<_>>();
            assert!(
                head.first() == Some(&label.as_str()) || head.last() == Some(&label.as_str()),
                "page {label}: the first line `{}` is not the running head",
                lines[0]
            );
            lines = &lines[1..];
        } else {
            checked[1] += 1;
        }
        let mut pdf = pdf_words(lines, N);
        // a table's header repeated above rows continued from the page before
        let table = before.rfind("<table");
        let in_table = table.is_some_and(|t| !before[t..].contains("</table>"));
        if let Some(t) = table.filter(|_| in_table) {
            if let (Some(h0), Some(h1)) =
                (before[t..].find("<thead>"), before[t..].find("</thead>"))
            {
                let header = strip(&before[t + h0..t + h1]).split_whitespace().count();
                if before[t..].contains("<tbody>") {
                    pdf = pdf_words(lines, header + N);
                    let skipped: Vec<String> = pdf.drain(..header.min(pdf.len())).collect();
                    let expected: Vec<String> = strip(&before[t + h0..t + h1])
                        .split_whitespace()
                        .map(str::to_string)
                        .collect();
                    assert_eq!(skipped, expected, "page {label}: the repeated header");
                    checked[2] += 1;
                }
            }
        }
        // the label of a list item the page opens
        let li = before.rfind("<li>");
        let in_li = li.is_some_and(|l| before.rfind("</li>").is_none_or(|c| c < l));
        if let Some(l) = li.filter(|_| in_li) {
            if strip(&before[l + "<li>".len()..]).trim().is_empty() {
                pdf.remove(0);
                checked[3] += 1;
            }
        }
        if before
            .rfind("<pre")
            .is_some_and(|p| !before[p..].contains("</pre>"))
        {
            checked[4] += 1;
        }
        if before
            .rfind("<aside epub:type=\"footnote\"")
            .is_some_and(|a| !before[a..].contains("</aside>"))
        {
            checked[5] += 1;
        }
        // the words side by side; where the EPUB opens a list item print
        // has its label
        let epub_words: Vec<String> = strip(after)
            .split_whitespace()
            .take(3 * N)
            .map(str::to_string)
            .collect();
        let (mut p, mut e) = (Vec::new(), Vec::new());
        let (mut i, mut j) = (0, 0);
        while p.len() < N && i < epub_words.len() && j < pdf.len() {
            if epub_words[i] == "\u{1}" {
                if is_label(&pdf[j]) {
                    j += 1;
                }
                i += 1;
                continue;
            }
            p.push(norm(&pdf[j]));
            e.push(norm(&epub_words[i]));
            i += 1;
            j += 1;
        }
        let n = p.len();
        // fewer than N words only where the page (or the words up to a
        // wrapped code line) has no more
        let short = n < N && j == pdf.len();
        let ok = n > 0
            && (n == N || short)
            && e[0].ends_with(&p[0])
            && (1..n).all(|k| p[k] == e[k] || (k + 1 == n && short && e[k].starts_with(&p[k])));
        if !ok {
            wrong.push(format!("page {label}: PDF {p:?}, EPUB {e:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} pages start elsewhere in the EPUB:\n{}",
        wrong.len(),
        entries.len(),
        wrong.join("\n")
    );
    // the book has pages of every kind
    let [blank, opening, table, list, code, note] = checked;
    assert!(blank > 10 && opening == 100, "{checked:?}");
    assert!(
        table > 10 && list > 10 && code > 10 && note > 0,
        "{checked:?}"
    );
}
